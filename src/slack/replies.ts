import type { Decision } from '../approval/decisions.ts';
import type { LookupProblem } from '../cas/order-lookup.ts';
import type { ApplicationProblem } from '../renewals/application.ts';
import type { QueuedLater, Refusal } from '../renewals/outcomes.ts';
import { rotationOnlyWhy } from './decision-lines.ts';
import { threadLink } from './links.ts';
import { escapeMrkdwn, slackDate } from './mrkdwn.ts';
import { statusLine } from './status-line.ts';
import { code } from './thread-messages.ts';

/** What the person was trying to do, for the wording of a refusal. */
export type Attempt = 'approve' | 'reject' | 'attach' | 'decide';

/**
 * The private answer to someone whose click or modal changed nothing. `approvers` names who may act (mentions):
 * those of the request's account, when the refusal names one.
 */
export function renderRefusal(
  refusal: Refusal,
  attempt: Attempt,
  approvers: (decision?: Decision, account?: string) => string,
): string {
  switch (refusal.code) {
    case 'unknown_card':
      return attempt === 'reject'
        ? 'This request no longer matches its card; nothing was rejected.'
        : 'This button does not belong to a request I know. Use `/cert status <orderId or instanceId>`.';
    case 'not_waiting':
      return attempt === 'attach'
        ? 'This request is no longer waiting for a decision; the CSR was not attached.'
        : `Nothing changed: this request is no longer waiting for a decision. ${statusLine(refusal.record, refusal.deployment)}`;
    case 'changed':
      return `Nothing was done: this request changed since you saw it (${refusal.record.csrSummary ? 'a CSR was attached' : 'it was updated'}). Look at the card again, then decide. ${statusLine(refusal.record, refusal.deployment)}`;
    case 'expired':
      return 'This request expired before it was approved. Run `/cert renew` again if it is still needed.';
    case 'not_approver': {
      const who = approvers(refusal.decision, refusal.account);
      const text =
        refusal.action === 'decide'
          ? `Only ${who} can decide on a request that needs attention.`
          : refusal.action === 'deploy'
            ? `Only ${who} can deploy, skip or roll back this certificate.`
            : `Only ${who} can ${refusal.action} this ${refusal.action === 'snooze' ? 'alert' : refusal.decision === 'rotation' ? 'rotation' : 'renewal'}.`;
      return refusal.rotationOnly ? `${text} ${rotationOnlyWhy}` : text;
    }
    case 'approval_repeated':
      return `Your approval is already counted (${refusal.count} of ${refusal.required}); another approver must approve too.`;
    case 'approvers_unknown':
      return 'I cannot read the approver group from Slack right now, and what I knew of it is too old to trust, so nothing was decided. Try again in a few minutes.';
    case 'renewed_before':
      return refusal.renewedBefore.source === 'cas'
        ? `Nothing was approved: CAS shows that order ${code(refusal.orderId)} was renewed ${slackDate(refusal.renewedBefore.at)} as order ${code(refusal.renewedBefore.newOrderId)} (${escapeMrkdwn(refusal.renewedBefore.status)}). The card now says so: read it, and approve again if you still want to pay for another renewal.`
        : `Nothing was approved: I could not ask CAS whether order ${code(refusal.orderId)} was renewed already (${escapeMrkdwn(refusal.renewedBefore.reason)}). The card now says so: check the CAS console, and approve again to go ahead anyway.`;
    case 'self_approval':
      return `You asked for this ${refusal.rotation ? 'rotation' : 'renewal'}, so another approver must approve it (self-approval is off: CERT_ALLOW_SELF_APPROVAL).`;
    case 'not_requester':
      return `Only the person who asked for this ${refusal.rotation ? 'rotation' : 'renewal'} can attach its CSR.`;
    case 'not_needing_attention':
      return 'Nothing changed: this request no longer needs attention.';
    case 'order_taken':
      return `Order ${code(refusal.orderId)} has a newer request (${refusal.holder ? threadLink(refusal.holder) : 'just opened'}), so this one cannot take it back. Check the console and *Close* this one instead.`;
    case 'order_claimed':
      return `New order ${code(refusal.newOrderId)} belongs to another renewal request; check the ID in the CAS console.`;
    case 'rotation_not_renewed':
      return `Nothing was closed: a rotation has no new order. If subscription ${code(refusal.instanceId)} has a new certificate in the CAS console, use *Check CAS again*: I follow it from there.`;
  }
}

/** The private answer to an approver whose approval was counted, short of the request's count. */
export function approvalCountedText(counted: { count: number; required: number; rotation?: true }): string {
  return `:ballot_box_with_check: Your approval is counted: ${counted.count} of ${counted.required}. The ${counted.rotation ? 'rotation' : 'renewal'} starts once ${counted.required} different approvers have approved; the card shows who has.`;
}

/**
 * The private answer to an approver whose approval was recorded but whose job (a renewal's, or a rotation's) could
 * not be queued at once ({@link QueuedLater}): it stands (no need to click again) and a worker starts it on its next
 * sweep.
 */
export function approvalQueuedLaterText(queued: QueuedLater): string {
  return `:hourglass_flowing_sand: Your approval is recorded and stands; there is no need to approve again. I could not queue the ${queued.rotation ? 'rotation' : 'renewal'} just now, so a worker will start it on its next sweep (every \`CERT_SWEEP_INTERVAL_SECONDS\`, 5 minutes by default). Its progress will appear in this thread.`;
}

/** The same for a deployment decision (Deploy, Roll back, Check again). */
export const decisionQueuedLater =
  ':hourglass_flowing_sand: Your decision is recorded and stands; there is no need to click again. I could not queue the work just now, so a worker will start it on its next sweep (every `CERT_SWEEP_INTERVAL_SECONDS`, 5 minutes by default). Its progress will appear in this thread.';

/** Why CAS will not renew an order now, or could not be asked. */
export function renderLookupProblem(problem: LookupProblem): string {
  switch (problem.code) {
    case 'not_expiring':
      return `CAS only renews plan (CPACK) orders that are about to expire, and order ${code(problem.orderId)} is not one of them (its certificate state is ${code(problem.state)}). Check the order in the CAS console.`;
    case 'not_found':
      return `CAS has no order ${code(problem.orderId)} for this account. Check the ID in the CAS console.`;
    case 'no_permission':
      return `The bot's Alibaba Cloud key may not read this order (CAS said ${escapeMrkdwn(problem.casCode)}: ${escapeMrkdwn(problem.casMessage)}). An operator must grant it the yundun-cert permissions listed in the README.`;
    case 'unavailable':
      return `Could not check the order in CAS (${escapeMrkdwn(problem.message)}). Try again in a few minutes.`;
  }
}

/** Why the new order's application cannot be planned, and how to fix it (nothing was requested or spent). */
export function renderApplicationProblem(problem: ApplicationProblem): string {
  switch (problem.code) {
    case 'no_contact':
      return 'After a renewal CAS needs an application with at least one *contact*, and this account has none, so nothing was requested or spent. Create one in the CAS console (SSL Certificates → Contacts → Create), or set `CERT_CAS_CONTACT_IDS`, then run `/cert renew` again. (`npm run cas -- contacts` lists them.)';
    case 'unknown_contacts':
      return `\`CERT_CAS_CONTACT_IDS\` names contacts CAS does not know: ${problem.contactIds.map(code).join(', ')}. Nothing was requested. Check them with \`npm run cas -- contacts\` and fix the setting.`;
    case 'contacts_unavailable':
      return `:warning: I could not read the CAS contacts an application needs (${escapeMrkdwn(problem.message)}); nothing was requested. Try again in a few minutes.`;
  }
}
