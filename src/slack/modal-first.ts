import type { ModalView, WebClient } from '@slack/web-api';
import { loadingModal, noticeModal } from './modals.ts';

/**
 * Opens a modal at once (Slack's `trigger_id` expires about 3 s after the click, and the checks before the real
 * modal can take longer: Redis, the approver group, Slack retries), then fills it: the real view, or a notice of
 * why not. Returns false when Slack refused to open it.
 */
export async function openThenFill(
  client: WebClient,
  triggerId: string,
  title: string,
  fill: () => Promise<{ view: ModalView } | { refusal: string }>,
): Promise<boolean> {
  const opened = await client.views.open({ trigger_id: triggerId, view: loadingModal(title) });
  const viewId = opened.view?.id;
  if (!viewId) return false;
  const filled = await fill();
  await client.views.update({
    view_id: viewId,
    view: 'view' in filled ? filled.view : noticeModal(title, filled.refusal),
  });
  return true;
}
