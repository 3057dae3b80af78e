import type { WebClient } from '@slack/web-api';
import type { OpenInput } from '../renewals/open-request.ts';
import type { OpenOutcome } from '../renewals/outcomes.ts';
import type { EarlierRenewal, RenewalRecord } from '../renewals/record.ts';
import type { RequestService } from '../renewals/request-service.ts';
import { renderApprovalCard, renderNotRenewableCard } from './approval-card.ts';
import type { SlackMessage } from './cards.ts';
import { isInstanceId } from './command-parser.ts';
import { slackErrorCode } from './links.ts';
import type { Permalinks } from './permalinks.ts';
import { renderApplicationProblem, renderLookupProblem } from './replies.ts';
import { renderHostedCard } from './rotation-card.ts';
import { notRotatableText } from './rotation-messages.ts';
import { code } from './thread-messages.ts';

export type { OpenInput } from '../renewals/open-request.ts';

const channelProblems: Record<string, string> = {
  not_in_channel: 'I am not in this channel: invite me with `/invite @certbot` and try again.',
  channel_not_found: 'I cannot see this channel (private channels need an invite: `/invite @certbot`).',
  is_archived: 'This channel is archived.',
};

/** What the open flow posts with. */
interface OpenFlowDeps {
  service: RequestService;
  slack: WebClient;
  permalinks: Permalinks;
  now: () => number;
}

/** Answers the person privately. */
type Reply = (text: string) => Promise<unknown>;

/**
 * `/cert renew` in Slack: asks the service to open the request, then posts its approval card (or the card that
 * says why the order cannot be renewed), or answers the person privately. A card that cannot be posted cancels
 * its request, and the person is told how to fix it.
 */
export function createOpenFlow(deps: OpenFlowDeps) {
  return async function openAndPost(input: OpenInput, reply: Reply): Promise<void> {
    // An instance ID asks for a V2 rotation; an order ID for a V1 renewal.
    const rotation = isInstanceId(input.orderId);
    const requests = deps.service.openRequest;
    const outcome = await (rotation ? requests.openRotation(input) : requests.open(input));
    switch (outcome.kind) {
      case 'already_open': {
        const { open } = outcome;
        const what = `${rotation ? 'Subscription' : 'Order'} ${code(outcome.orderId)} already has an open ${rotation ? 'rotation' : 'renewal'} request`;
        await reply(
          open
            ? `${what} (${open.state.replace('_', ' ')}): ${await deps.permalinks(open)}`
            : `${what}: just opened`,
        );
        return;
      }
      case 'not_rotatable':
        await reply(notRotatableText(outcome));
        return;
      case 'hosted': {
        const card = renderHostedCard(outcome.facts, input.userId, deps.now());
        await postNotice(deps, input.channelId, card, reply, 'CAS hosting rotates this subscription.');
        return;
      }
      case 'unavailable':
        await reply(`:warning: ${renderLookupProblem(outcome.problem)}`);
        return;
      case 'not_renewable':
      case 'no_application':
        await postNotRenewableCard(deps, input, outcome, reply);
        return;
      case 'created':
        await postApprovalCard(deps, input, outcome.record, reply);
        return;
    }
  };
}

/** The card that says why the order cannot be renewed now; the reason privately when it cannot be posted. */
async function postNotRenewableCard(
  deps: OpenFlowDeps,
  input: OpenInput,
  outcome: Extract<OpenOutcome, { kind: 'not_renewable' | 'no_application' }>,
  reply: Reply,
): Promise<void> {
  const reason =
    outcome.kind === 'not_renewable'
      ? renderLookupProblem(outcome.problem)
      : renderApplicationProblem(outcome.problem);
  const card = renderNotRenewableCard({
    orderId: input.orderId,
    requestedBy: input.userId,
    reason,
    ...(outcome.kind === 'no_application' ? { domain: outcome.domain } : {}),
  });
  await postNotice(deps, input.channelId, card, reply, reason);
}

/** Posts a card that asks nothing (no request behind it); when it cannot be posted, the person is told privately. */
async function postNotice(
  deps: OpenFlowDeps,
  channel: string,
  card: SlackMessage,
  reply: Reply,
  reason: string,
): Promise<void> {
  await deps.slack.chat
    .postMessage({ channel, text: card.text, blocks: card.blocks })
    .catch(async (err: unknown) => {
      await reply(
        `${channelProblems[slackErrorCode(err) ?? ''] ?? 'I could not post in this channel.'}\n${reason}`,
      );
    });
}

/**
 * The new request's approval card, linking to the earlier threads it names; reported to the service as posted
 * (clicks on it can be matched) or not (the request is cancelled, and the person told why).
 */
async function postApprovalCard(
  deps: OpenFlowDeps,
  input: OpenInput,
  created: RenewalRecord,
  reply: Reply,
): Promise<void> {
  const requests = deps.service.openRequest;
  // The card links to the previous request's thread, and to an earlier renewal of ours, as Slack gives the link.
  const previous = created.previous && {
    ...created.previous,
    permalink: await deps.permalinks(created.previous),
  };
  const renewedBefore = await withPermalink(deps.permalinks, created.renewedBefore);
  const record = {
    ...created,
    ...(previous ? { previous } : {}),
    ...(renewedBefore ? { renewedBefore } : {}),
  };
  const card = renderApprovalCard(record, deps.now());
  let posted: { ts?: string | undefined; channel?: string | undefined };
  try {
    posted = await deps.slack.chat.postMessage({
      channel: input.channelId,
      text: card.text,
      blocks: card.blocks,
    });
  } catch (err) {
    const slackError = slackErrorCode(err) ?? 'error';
    await requests.cardNotPosted(record.id, slackError);
    await reply(
      channelProblems[slackError] ??
        `I could not post the approval card (${slackError}); nothing was requested.`,
    );
    return;
  }
  await requests.cardPosted(record.id, posted.channel ?? input.channelId, posted.ts as string, {
    previous,
    renewedBefore,
  });
}

/** An earlier renewal of ours with the link to its thread. */
async function withPermalink(permalinks: Permalinks, r: EarlierRenewal | undefined) {
  return r?.source === 'ours' ? { ...r, permalink: await permalinks(r) } : r;
}

/** Opens a request and posts its card. */
export type OpenFlow = ReturnType<typeof createOpenFlow>;
