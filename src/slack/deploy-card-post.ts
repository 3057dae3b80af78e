import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { DeploymentRecord } from '../renewals/deployment-record.ts';
import type { DeploymentStore } from '../renewals/deployment-store.ts';
import type { RenewalRecord } from '../renewals/record.ts';
import type { SlackMessage } from './cards.ts';
import { renderDeployCard } from './deploy-card.ts';

/** Options of {@link createDeployCardPoster}. */
export interface DeployCardPosterDeps {
  store: { deployments: Pick<DeploymentStore, 'setCard'> };
  slack: WebClient;
  logger: Logger;
}

/**
 * Posts the deployment card in the request's thread once, then keeps it current with `chat.update`.
 *
 * Slack has no idempotency key for `chat.postMessage`, and the manifest grants no history scope to look an
 * earlier post up, so the one guard is this: once Slack took the card, its `ts` is kept in this process until
 * the store has it. A failed write (a Redis blip right after the post) is retried with that known `ts` on the
 * next delivery, and the card is never posted again. The throw leaves the outbox item in place for that retry.
 */
export function createDeployCardPoster(deps: DeployCardPosterDeps) {
  // Cards Slack accepted whose ts the store does not have yet, by request ID.
  const unrecorded = new Map<string, string>();

  async function record(item: RenewalRecord, ts: string): Promise<void> {
    await deps.store.deployments.setCard(item.id, item.channelId, ts);
    unrecorded.delete(item.id);
    deps.logger.info({ recordId: item.id, ts }, 'deployment card posted');
  }

  /** `card` replaces the rendered card (a short fallback after Slack refused the full one). */
  return async function postDeployCard(
    item: RenewalRecord,
    deployment: DeploymentRecord,
    card: SlackMessage = renderDeployCard(item, deployment),
  ): Promise<void> {
    const known = deployment.cardTs ?? unrecorded.get(item.id);
    if (known) {
      if (!deployment.cardTs) await record(item, known);
      await deps.slack.chat.update({
        channel: item.channelId,
        ts: known,
        text: card.text,
        blocks: card.blocks,
      });
      return;
    }
    const posted = await deps.slack.chat.postMessage({
      channel: item.channelId,
      ...(item.messageTs ? { thread_ts: item.messageTs } : {}),
      text: card.text,
      blocks: card.blocks,
    });
    if (!posted.ts) return;
    unrecorded.set(item.id, posted.ts);
    await record(item, posted.ts);
  };
}

/** Posts or updates a request's deployment card; see {@link createDeployCardPoster}. */
export type PostDeployCard = ReturnType<typeof createDeployCardPoster>;
