import type { AttentionReason, ThreadEvent } from '../renewals/thread-events.ts';
import {
  applyByHandText,
  applyingText,
  consoleLinks,
  issuedText,
  validationText,
} from './application-messages.ts';
import { reminderText } from './decision-lines.ts';
import { deployResultsText, renderTlsResults, resourceName } from './deploy-messages.ts';
import { foldLines, slackLimits } from './message-limits.ts';
import { clipMrkdwn, code, escapeMrkdwn, mention, slackDate } from './mrkdwn.ts';
import { rotationAttentionText, rotationEventText } from './rotation-messages.ts';

export { resourceName } from './deploy-messages.ts';
export { code } from './mrkdwn.ts';

/** What a person must know and check, for the thread and the card. */
export function renderAttention(reason: AttentionReason): string {
  switch (reason.code) {
    case 'no_credentials':
      return `the worker has no usable Alibaba Cloud credentials, so nothing was sent to CAS: ${escapeMrkdwn(reason.message)}`;
    case 'not_taken':
      return `CAS did not take the renewal of order ${code(reason.orderId)} after ${reason.tries} tries (last: ${escapeMrkdwn(reason.last)}); nothing was spent. Check CAS status and approve a new request later.`;
    case 'domain_unknown':
      return `CAS did not confirm the renewal of order ${code(reason.orderId)} (sent ${slackDate(reason.sentAt)}) and the order's domain is unknown, so I cannot look for the new order. Check the CAS console for a new order created since then before renewing again.`;
    case 'list_failed':
      return `CAS did not confirm the renewal of order ${code(reason.orderId)} (sent ${slackDate(reason.sentAt)}), and listing orders failed: ${escapeMrkdwn(reason.message)}. Check the CAS console for a new order of ${escapeMrkdwn(reason.domain)} before renewing again.`;
    case 'several_new_orders':
      return `CAS did not confirm the renewal of order ${code(reason.orderId)} (sent ${slackDate(reason.sentAt)}) and there are several new orders for ${escapeMrkdwn(reason.domain)} since then: ${reason.candidates.map(code).join(', ')}. Check in the CAS console which one is this renewal.`;
    case 'ambiguous_new_order':
      return `CAS did not confirm the renewal of order ${code(reason.orderId)} (sent ${slackDate(reason.sentAt)}). New order ${reason.candidates.map(code).join(', ')} appeared without a domain while another renewal of this account was unconfirmed too, so I cannot tell whose it is. Check in the CAS console which renewal created it, then *Close…* this request with what you found.`;
    case 'no_new_order':
      return `CAS did not confirm the renewal of order ${code(reason.orderId)} (sent ${slackDate(reason.sentAt)}) and no new order for ${escapeMrkdwn(reason.domain)} appeared since then (checked ${reason.checks} times). Check the CAS console: if there is a new order, follow it there; if not, the renewal did not happen and you can run \`/cert renew ${escapeMrkdwn(reason.orderId)}\` again.`;
    case 'new_order_claimed':
      return `CAS renewed order ${code(reason.orderId)}: its answer names new order ${code(reason.newOrderId)}, but another request (${code(reason.holderId)}${reason.holderOrderId ? `, renewing order ${code(reason.holderOrderId)}` : ''}) already follows that order. The renewal did happen and is paid. Check in the CAS console which order each renewal created, then *Close…* this request as renewed with the right order.`;
    case 'no_new_order_id':
      return 'the renewal has no new order ID to follow. Check the CAS console.';
    case 'state_unavailable':
      return `CAS did not report the state of new order ${code(reason.newOrderId)}: ${escapeMrkdwn(reason.message)}. Check the order in the CAS console.`;
    case 'stalled':
      return `renewal stalled: new order ${code(reason.newOrderId)} is still ${code(reason.state)} after ${reason.days} days. Check the order in the CAS console (application, domain validation) and finish or cancel it there.`;
    case 'unknow_repeated':
      return `CAS reported the state of new order ${code(reason.newOrderId)} as unknown (\`unknow\`) ${reason.times} times in a row. Check the order in the CAS console.`;
    case 'undocumented_state':
      return `CAS reported an undocumented state ${code(reason.state)} for new order ${code(reason.newOrderId)}. Check the order in the CAS console.`;
    case 'apply_refused':
      return `CAS refused the application of new order ${code(reason.newOrderId)} (instance ${code(reason.instanceId)}): ${code(reason.casCode)} ${escapeMrkdwn(reason.casMessage.replace(/\.$/, ''))}. The renewal is paid: fix the application in the CAS console (${consoleLinks}) and submit it there, then *Check CAS again*.`;
    case 'apply_not_taken':
      return `CAS did not take the application of new order ${code(reason.newOrderId)} (instance ${code(reason.instanceId)}) after ${reason.tries} tries (last: ${escapeMrkdwn(reason.last)}). Submit it in the CAS console (${consoleLinks}), then *Check CAS again*.`;
    case 'rotation_withdrawn':
    case 'rotation_unconfirmed':
    case 'rotation_ended':
      return rotationAttentionText(reason);
    case 'run_failures':
      return `the worker failed ${reason.failures} times in a row on this request and stopped retrying. Last error: ${escapeMrkdwn(reason.lastError.slice(0, 200))}. Check the worker's logs and ${reason.instanceId ? `the subscription ${code(reason.instanceId)}` : 'the order'} in the CAS console, then *Check CAS again* or *Close…*.`;
  }
}

/**
 * The thread message of an event (mrkdwn; everything from outside escaped here, once), within Slack's limits:
 * long lists are folded, and anything longer is clipped.
 */
export function renderThreadEvent(event: ThreadEvent): string {
  return clipMrkdwn(eventText(event), slackLimits.text);
}

function eventText(event: ThreadEvent): string {
  switch (event.type) {
    case 'approved':
      return `:inbox_tray: Approved by ${mention(event.by)} at ${slackDate(event.at)}. ${event.rotation ? 'Queued: the bot applies for the next certificate.' : 'Queued for renewal.'}`;
    case 'rejected':
      return `:no_entry_sign: Rejected by ${mention(event.by)}${event.reason ? `: ${escapeMrkdwn(event.reason)}` : ''}.`;
    case 'expired':
      return `:zzz: No decision within ${event.ttlHours} h: this request expired. Run \`/cert renew ${escapeMrkdwn(event.orderId)}\` again if it is still needed.`;
    case 'reminder':
      return reminderText(event);
    case 'csr_attached':
      return `:page_facing_up: ${mention(event.by)} attached a CSR (CN ${escapeMrkdwn(event.commonName)}).`;
    case 'submitting':
      return `:arrows_counterclockwise: Renewing order ${code(event.orderId)} in CAS…`;
    case 'submitted':
      return `:arrows_counterclockwise: CAS accepted the renewal: new order ${code(event.newOrderId)}, pending application. I will follow it here.`;
    case 'reconciled':
      return `:mag: CAS did not answer the renewal call, but it did renew: found new order ${code(event.newOrderId)}. Following it here.`;
    case 'outcome_unknown':
      return `:hourglass_flowing_sand: CAS did not confirm the renewal (${escapeMrkdwn(event.code)}). Checking in CAS whether it happened before doing anything else; the renewal is never sent twice automatically.`;
    case 'retrying':
      return `:hourglass_flowing_sand: CAS did not take the renewal yet (${escapeMrkdwn(event.code)}); nothing was spent. Trying again at ${slackDate(event.at, '{time}')}.`;
    case 'pending_application':
      return `:hourglass: New order ${code(event.newOrderId)} is pending application in CAS (待申请). If it does not move on by itself, open the CAS console → SSL Certificates → the order → *Apply* and submit the application.`;
    case 'applying':
      return applyingText(event);
    case 'applied':
      return event.byHand
        ? `:memo: New order ${code(event.newOrderId)} has its application (instance ${code(event.instanceId)} is no longer waiting for one). Following it here.`
        : `:memo: Application submitted for new order ${code(event.newOrderId)} (instance ${code(event.instanceId)}). CAS posts the domain-validation record next; I will put it here.`;
    case 'apply_retrying':
      return `:hourglass_flowing_sand: CAS did not take the application yet (${escapeMrkdwn(event.code)}). Trying again at ${slackDate(event.at, '{time}')}.`;
    case 'apply_by_hand':
      return applyByHandText(event);
    case 'validation':
      return validationText(event);
    case 'reviewing':
      return `:mag: Domain validated; the CA is reviewing new order ${code(event.newOrderId)}.`;
    case 'issued':
      return issuedText(event);
    case 'review_failed':
      return `:x: Renewal failed: the CA review of new order ${code(event.newOrderId)} failed (CAS state \`verify_fail\`). Check the domain validation in the CAS console; to try again, delete the failed application there (this releases the plan quota) and run \`/cert renew\` again.`;
    case 'refused':
      return `:x: Renewal failed: CAS refused to renew order ${code(event.orderId)}: ${code(event.casCode)} ${escapeMrkdwn(event.casMessage)}`;
    case 'needs_attention':
      return `:warning: *Needs attention*: ${renderAttention(event.reason)}\nThe ${event.rotation ? 'subscription' : 'order'} is free for a new request meanwhile. Approvers: *Check CAS again* or *Close…* on the card above.`;
    case 'recheck':
      return `:mag: ${mention(event.by)} asked me to check CAS again at ${slackDate(event.at)}. ${event.rotation ? 'Nothing is applied for again' : 'Nothing is renewed again'}: I only look for what happened.`;
    case 'no_resources':
      return `:information_source: No cloud resource serves the old certificate${event.oldCertId ? ` (${code(event.oldCertId)})` : ''} in ${event.products.map(escapeMrkdwn).join(', ')}, so there is nothing to deploy to. Check that the products are right (\`CERT_DEPLOY_PRODUCTS\`), that the old certificate was deployed through CAS, and the CAS console → Deployment; install the new certificate there or by hand.`;
    case 'resources_unknown':
      return `:warning: I could not find where the old certificate is served (${escapeMrkdwn(event.message)}), so no deployment is proposed. Install the new certificate from the CAS console → Deployment.`;
    case 'deploy_skipped':
      return `:fast_forward: ${mention(event.by)} skipped the deployment. Install the new certificate from the CAS console when ready.`;
    case 'deploy_approved':
      return `:rocket: ${mention(event.by)} approved the deployment to ${event.count} resource${event.count === 1 ? '' : 's'}. Creating the CAS deployment job…`;
    case 'deploy_started':
      return foldLines({
        head: [
          `:rocket: Deployment job ${code(event.jobId)} started for ${event.resources.length} resource${event.resources.length === 1 ? '' : 's'}:`,
        ],
        items: event.resources.map((r) => `• ${resourceName(r)}`),
        tail: [],
        more: (hidden) => `• …and ${hidden} more`,
      });
    case 'deploy_results':
      return deployResultsText(event);
    case 'tls_results':
      return renderTlsResults(event.results, event.final, event.nextAt);
    case 'rollback_requested':
      return `:leftwards_arrow_with_hook: ${mention(event.by)} asked to roll back ${resourceName(event.resource)}.`;
    case 'rolled_back':
      return event.resource.status === 'rollback_success'
        ? `:leftwards_arrow_with_hook: Rolled back ${resourceName(event.resource)}: it serves its previous certificate again.`
        : event.resource.status === 'rollback_error'
          ? `:x: Rolling back ${resourceName(event.resource)} ended ${code('rollback_error')}: CAS could not put the previous certificate back, so the resource may still serve the new one. The reason is only in the CAS console → Deployment${event.jobId ? ` → job ${code(event.jobId)}` : ''}. Approvers can *Roll back* it again on the deployment card.`
          : `:x: Rolling back ${resourceName(event.resource)} ended ${code(event.resource.status)}. Check it in the CAS console → Deployment${event.jobId ? ` → job ${code(event.jobId)}` : ''}.`;
    case 'tls_recheck':
      return `:mag: ${mention(event.by)} asked me to check the endpoints again.`;
    case 'deploy_not_created':
      return `:warning: No deployment job was created: ${escapeMrkdwn(event.reason)}. The new certificate is issued but not deployed; install it from the CAS console → Deployment.`;
    case 'deploy_lost':
      return `:warning: I could not follow the deployment${event.jobId ? ` (job ${code(event.jobId)})` : ''} to its end: ${escapeMrkdwn(event.reason)}. Check it in the CAS console → Deployment.`;
    case 'rotation_applying':
    case 'rotation_applied':
    case 'rotation_failed':
    case 'rotation_reviewing':
    case 'rotation_issued':
      return rotationEventText(event);
    case 'closed':
      return closedText(event);
  }
}

/** A person closed the request: a rotation's subscription was not rotated; a renewal's order was renewed, or not. */
function closedText(event: Extract<ThreadEvent, { type: 'closed' }>): string {
  if (event.rotation)
    return `:ballot_box_with_check: ${mention(event.by)} closed this request: subscription ${code(event.orderId)} was not rotated. Run \`/cert renew ${escapeMrkdwn(event.orderId)}\` if it is still needed.`;
  return event.newOrderId
    ? `:ballot_box_with_check: ${mention(event.by)} closed this request: CAS renewed order ${code(event.orderId)} as new order ${code(event.newOrderId)}. Follow that order in the CAS console.`
    : `:ballot_box_with_check: ${mention(event.by)} closed this request: order ${code(event.orderId)} was not renewed. Run \`/cert renew ${escapeMrkdwn(event.orderId)}\` if it is still needed.`;
}
