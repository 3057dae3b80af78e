import type { WebClient } from '@slack/web-api';
import type { ParsedCsr } from '../csr/parse-csr.ts';
import type { EarlierRenewal } from '../renewals/record.ts';
import type { RequestService } from '../renewals/request-service.ts';
import { renderApprovalCard, renderNotRenewableCard } from './approval-card.ts';
import { slackErrorCode } from './links.ts';
import type { Permalinks } from './permalinks.ts';
import { renderApplicationProblem, renderLookupProblem } from './replies.ts';
import { code } from './thread-messages.ts';

const channelProblems: Record<string, string> = {
  not_in_channel: 'I am not in this channel: invite me with `/invite @certbot` and try again.',
  channel_not_found: 'I cannot see this channel (private channels need an invite: `/invite @certbot`).',
  is_archived: 'This channel is archived.',
};

/** What `/cert renew` and an alert's Renew button start. */
export interface OpenInput {
  orderId: string;
  csr: ParsedCsr | undefined;
  channelId: string;
  userId: string;
  teamId: string | undefined;
}

/**
 * `/cert renew` in Slack: asks the service to open the request, then posts its approval card (or the card that
 * says why the order cannot be renewed), or answers the person privately. A card that cannot be posted cancels
 * its request, and the person is told how to fix it.
 */
export function createOpenFlow(deps: {
  service: RequestService;
  slack: WebClient;
  permalinks: Permalinks;
  now: () => number;
}) {
  const requests = deps.service.openRequest;
  // An earlier renewal of ours links to its thread as Slack gives the link.
  const withPermalink = async (r: EarlierRenewal | undefined) =>
    r?.source === 'ours' ? { ...r, permalink: await deps.permalinks(r) } : r;
  return async function openAndPost(
    input: OpenInput,
    reply: (text: string) => Promise<unknown>,
  ): Promise<void> {
    const outcome = await requests.open(input);
    switch (outcome.kind) {
      case 'already_open': {
        const { open } = outcome;
        await reply(
          open
            ? `Order ${code(outcome.orderId)} already has an open renewal request (${open.state.replace('_', ' ')}): ${await deps.permalinks(open)}`
            : `Order ${code(outcome.orderId)} already has an open renewal request: just opened`,
        );
        return;
      }
      case 'unavailable':
        await reply(`:warning: ${renderLookupProblem(outcome.problem)}`);
        return;
      case 'not_renewable':
      case 'no_application': {
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
        await deps.slack.chat
          .postMessage({ channel: input.channelId, text: card.text, blocks: card.blocks })
          .catch(async (err: unknown) => {
            await reply(
              `${channelProblems[slackErrorCode(err) ?? ''] ?? 'I could not post in this channel.'}\n${reason}`,
            );
          });
        return;
      }
      case 'created': {
        // The card links to the previous request's thread as Slack gives the link.
        const previous = outcome.record.previous && {
          ...outcome.record.previous,
          permalink: await deps.permalinks(outcome.record.previous),
        };
        const renewedBefore = await withPermalink(outcome.record.renewedBefore);
        const record = {
          ...outcome.record,
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
        return;
      }
    }
  };
}

/** Opens a request and posts its card. */
export type OpenFlow = ReturnType<typeof createOpenFlow>;
