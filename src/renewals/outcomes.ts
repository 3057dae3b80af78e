import type { Decision } from '../approval/decisions.ts';
import type { LookupProblem } from '../cas/order-lookup.ts';
import type { ApplicationProblem } from './application.ts';
import type { DeploymentRecord } from './deployment-record.ts';
import { type EarlierRenewal, type RenewalRecord, rotationFlag } from './record.ts';

/** What a card button names: a request, at the version shown on the card. */
export interface CardClaim {
  id: string;
  version: number;
}

/** A click on a card (or a modal opened from it): which card, the request and version it shows, and who acted. */
export interface CardAction {
  channelId: string;
  messageTs: string;
  claim: CardClaim;
  userId: string;
}

/**
 * Why a click or a submitted modal changed nothing, as data: the Slack layer words it for the person who acted.
 * Services return one of these, or undefined when the action took effect.
 */
export type Refusal =
  /** The button is not on a card of a request this bot knows (or its value names another request). */
  | { code: 'unknown_card' }
  /** The request (or its `deployment`, for the deployment card) is no longer waiting for this decision. */
  | { code: 'not_waiting'; record: RenewalRecord; deployment?: DeploymentRecord }
  /** The request (or its deployment) changed since the person saw it (e.g. a CSR was attached): look again. */
  | { code: 'changed'; record: RenewalRecord; deployment?: DeploymentRecord }
  /** The request expired before the click. */
  | { code: 'expired' }
  /**
   * Only approvers may do this: of `decision`, when it is a card's (a `rotationOnly` clicker may approve rotations
   * and deployments, not what spends money).
   */
  | {
      code: 'not_approver';
      action: 'approve' | 'reject' | 'snooze' | 'decide' | 'deploy';
      decision?: Decision;
      /** The request's account: its approvers are the ones named. */
      account?: string;
      rotationOnly?: true;
    }
  /** The approver's approval was counted before: the request still needs `required` of them. */
  | { code: 'approval_repeated'; count: number; required: number }
  /** An approver group cannot be read from Slack and its last known members are too old to trust. */
  | { code: 'approvers_unknown' }
  /**
   * Approve asked CAS, which shows an earlier renewal the card did not (or could not be asked): nothing was approved;
   * the card now shows it, and a second Approve on it goes ahead.
   */
  | {
      code: 'renewed_before';
      orderId: string;
      renewedBefore: Exclude<EarlierRenewal, { source: 'ours' }>;
    }
  /** Self-approval is off and the clicker asked for the request (`rotation`: a V2 rotation's). */
  | { code: 'self_approval'; rotation?: true }
  /** Only the requester may attach a CSR (`rotation`: of a V2 rotation, for its wording). */
  | { code: 'not_requester'; rotation?: true }
  /** The request no longer needs attention. */
  | { code: 'not_needing_attention' }
  /** Check CAS again: a newer request holds the order now. */
  | { code: 'order_taken'; orderId: string; holder: RenewalRecord | undefined }
  /** Close as renewed: another request follows that new order. */
  | { code: 'order_claimed'; newOrderId: string }
  /** Close as renewed (with a new order) on a rotation, which has no order: Check CAS again follows a new certificate. */
  | { code: 'rotation_not_renewed'; instanceId: string };

/** Only the requester may attach a CSR: the refusal, saying whether the request is a rotation. */
export function notRequester(record: Pick<RenewalRecord, 'kind'> | undefined): Refusal {
  return { code: 'not_requester', ...rotationFlag(record) };
}

/**
 * A decision that took effect (it is recorded and stands) whose job could not be queued at once: the worker's
 * sweeper enqueues it on its next pass (`CERT_SWEEP_INTERVAL_SECONDS`). Not a refusal: something did change.
 */
export interface QueuedLater {
  code: 'queued_later';
  /** Of a V2 rotation, for its wording. */
  rotation?: true;
}

/** An approval that was counted, `count` of the `required` distinct approvers the request needs: it waits for more. */
export interface ApprovalCounted {
  code: 'approval_counted';
  count: number;
  required: number;
  /** Of a V2 rotation, for its wording. */
  rotation?: true;
}

/** What `/cert renew` (or an alert's Renew) led to; the Slack layer posts the card or answers the person. */
export type OpenOutcome =
  /** The order already has an open request: link to its thread. */
  | { kind: 'already_open'; orderId: string; open: RenewalRecord | undefined }
  /** CAS could not be asked; nothing was created. */
  | { kind: 'unavailable'; problem: LookupProblem }
  /** CAS says the order cannot be renewed now: a card without Approve says why. */
  | { kind: 'not_renewable'; orderId: string; problem: LookupProblem }
  /** The new order's application cannot be planned (no CAS contact): a card without Approve says how to fix it. */
  | { kind: 'no_application'; orderId: string; domain: string | undefined; problem: ApplicationProblem }
  /** A request was created: post its card, then report where ({@link cardPosted}) or that it failed. */
  | { kind: 'created'; record: RenewalRecord }
  /** A V2 instance CAS hosting rotates (`AutoReissue=enable`): a card without Approve says so; nothing created. */
  | { kind: 'hosted'; facts: RotationFacts }
  /** The instance cannot be rotated now: unknown to CAS, ended, or an application is under way. Nothing created. */
  | {
      kind: 'not_rotatable';
      instanceId: string;
      problem: 'not_found' | 'ended' | 'pending';
      status?: string;
    };

/** What a rotation card shows of a V2 subscription instance (GetInstanceDetail, GetInstanceSummary). */
export interface RotationFacts {
  instanceId: string;
  domain: string | undefined;
  certificateId: string | undefined;
  /** The current certificate's validity, epoch ms. */
  notBefore: number | undefined;
  notAfter: number | undefined;
  /** The subscription's end (OrderEndTime), epoch ms. */
  subscriptionEnd: number | undefined;
  /** The account's certificate quota left (GetInstanceSummary.CertificateCount). */
  quotaLeft: number | undefined;
}
