import type { DomainValidation } from '../cas/order-schemas.ts';
import type { ApplicationPlan } from './application.ts';
import type { DeployResource, DeployResult, TlsResult } from './deployment.ts';
import type { ReminderMark } from './reminders.ts';

/** What the "issued" message shows of the new certificate (plain values; times in epoch ms). */
export interface CertificateFacts {
  subject: string;
  sans: string[];
  notAfter: number;
  serial: string;
  /** SHA-256 of the DER, colon-separated upper-case hex (as browsers show it). */
  sha256: string;
}

/**
 * Why a request needs a person, as data: the Slack layer turns it into words. Values from outside (CAS codes and
 * messages, domains) stay raw here and are escaped once, where they are rendered.
 */
export type AttentionReason =
  /** The worker had no usable credentials: nothing was sent. */
  | { code: 'no_credentials'; message: string }
  /** CAS did not take the renewal after this many tries (throttling, not sent): nothing was spent. */
  | { code: 'not_taken'; orderId: string; tries: number; last: string }
  /** The renew call's outcome is unknown and the order's domain is too, so CAS cannot be searched. */
  | { code: 'domain_unknown'; orderId: string; sentAt: number }
  /** The outcome is unknown and listing orders to find out failed. */
  | { code: 'list_failed'; orderId: string; sentAt: number; domain: string; message: string }
  /** The outcome is unknown and several unclaimed new orders of the domain appeared since. */
  | { code: 'several_new_orders'; orderId: string; sentAt: number; domain: string; candidates: string[] }
  /**
   * The outcome is unknown, and new orders listed without a domain appeared while another renewal of the account
   * was unconfirmed too (or gave up since): either could have made them.
   */
  | { code: 'ambiguous_new_order'; orderId: string; sentAt: number; candidates: string[] }
  /** The outcome is unknown and no unclaimed new order of the domain appeared since. */
  | { code: 'no_new_order'; orderId: string; sentAt: number; domain: string; checks: number }
  /**
   * CAS answered the renewal with `newOrderId`, but another request (`holderId`, renewing `holderOrderId`) already
   * claims that order: the answer is kept here, and a person decides which request it belongs to.
   */
  | {
      code: 'new_order_claimed';
      orderId: string;
      newOrderId: string;
      holderId: string;
      holderOrderId?: string | undefined;
    }
  /** The record says submitted but names no new order. */
  | { code: 'no_new_order_id' }
  /** CAS did not report the new order's state. */
  | { code: 'state_unavailable'; newOrderId: string; message: string }
  /** No final state before the deadline. */
  | { code: 'stalled'; newOrderId: string; state: string; days: number }
  /** CAS said `unknow` too many times in a row. */
  | { code: 'unknow_repeated'; newOrderId: string; times: number }
  /** CAS reported a state that is not documented. */
  | { code: 'undocumented_state'; newOrderId: string; state: string }
  /** CAS refused the new order's application; the renewal is paid, the application must be fixed by a person. */
  | {
      code: 'apply_refused';
      newOrderId: string;
      instanceId: string;
      casCode: string;
      casMessage: string;
    }
  /** CAS did not take the application after this many tries (throttling, update protection). */
  | { code: 'apply_not_taken'; newOrderId: string; instanceId: string; tries: number; last: string }
  /** The worker kept failing on an unexpected error; `instanceId` is a rotation's subscription, for its wording. */
  | { code: 'run_failures'; failures: number; lastError: string; instanceId?: string }
  /**
   * A rotation's application was withdrawn (or settled without a certificate): the instance is `normal` again with
   * the certificate it had before. Not issued.
   */
  | { code: 'rotation_withdrawn'; instanceId: string; certId: string | undefined; status: string }
  /** A rotation's ApplyCertificate was not confirmed and CAS cannot say whether it happened: never applied twice. */
  | { code: 'rotation_unconfirmed'; instanceId: string; taskMessage: string | undefined }
  /** The subscription ended (refunded, closed, expired) or its certificate was revoked during the rotation. */
  | { code: 'rotation_ended'; instanceId: string; status: string };

/**
 * Something that happened to a request, for its thread. Services and the worker queue these (with the state change
 * that caused them); the Slack layer renders them when it delivers the outbox.
 */
export type ThreadEvent =
  /** `rotation`: a V2 rotation was approved (the application comes next, nothing is bought). */
  | { type: 'approved'; by: string; at: number; rotation?: true }
  | { type: 'rejected'; by: string; reason?: string }
  | { type: 'expired'; orderId: string; ttlHours: number }
  /** An undecided request reminds who may decide it (user and group IDs) at `at`; it expires at `expiresAt`. */
  | { type: 'reminder'; mark: ReminderMark; approvers: string[]; expiresAt: number; at: number }
  | { type: 'csr_attached'; by: string; commonName: string }
  | { type: 'submitting'; orderId: string }
  | { type: 'submitted'; newOrderId: string }
  | { type: 'reconciled'; newOrderId: string }
  /** The renew call's outcome is unknown (`code`: the CAS or network error code). */
  | { type: 'outcome_unknown'; code: string }
  /** CAS did not take the renewal; the next try is at `at`. */
  | { type: 'retrying'; code: string; at: number }
  | { type: 'pending_application'; newOrderId: string }
  /** The bot is submitting the new order's application (UpdateInstance, then ApplyCertificate). */
  | { type: 'applying'; newOrderId: string; instanceId: string; application: ApplicationPlan; csr: boolean }
  /** CAS has the application (`byHand`: someone applied in the console, or the answer was lost). */
  | { type: 'applied'; newOrderId: string; instanceId: string; byHand: boolean }
  /** CAS did not take the application yet; the next try is at `at`. */
  | { type: 'apply_retrying'; code: string; at: number }
  /**
   * The bot cannot apply: a person must, in the CAS console. `why`: the instance API refused (its CAS code),
   * the instance is not listed, or CERT_APPLY=manual.
   */
  | {
      type: 'apply_by_hand';
      newOrderId: string;
      instanceId?: string;
      why: 'manual' | 'instance_not_listed' | 'instance_api_refused';
      casCode?: string;
    }
  | { type: 'validation'; domain?: string; validation: DomainValidation }
  | { type: 'reviewing'; newOrderId: string }
  | { type: 'issued'; newOrderId: string; certificate?: CertificateFacts; casGeneratedKey: boolean }
  | { type: 'review_failed'; newOrderId: string }
  | { type: 'refused'; orderId: string; casCode: string; casMessage: string }
  /** `rotation`: of a V2 rotation (its subscription, not an order, is free meanwhile). */
  | { type: 'needs_attention'; reason: AttentionReason; rotation?: true }
  | { type: 'recheck'; by: string; at: number; rotation?: true }
  /** Issued, but no resource serves the old certificate in the products searched. */
  | { type: 'no_resources'; oldCertId: string | undefined; products: string[] }
  /** Where the old certificate is served could not be looked up. */
  | { type: 'resources_unknown'; message: string }
  | { type: 'deploy_skipped'; by: string }
  | { type: 'deploy_approved'; by: string; count: number }
  | { type: 'deploy_started'; jobId: string; resources: DeployResource[] }
  /** The job ended: each resource's outcome (failures name the resource and the reason). */
  | { type: 'deploy_results'; jobId: string; results: DeployResult[] }
  /** What the TLS check found (`final`: no more tries). */
  | { type: 'tls_results'; results: TlsResult[]; final: boolean; nextAt?: number }
  | { type: 'rollback_requested'; by: string; resource: DeployResult }
  | { type: 'rolled_back'; resource: DeployResult; jobId?: string | undefined }
  /** A person asked for the TLS check again. */
  | { type: 'tls_recheck'; by: string }
  /** The deployment ended without a job (CAS refused it, nothing to deploy, …). */
  | { type: 'deploy_not_created'; reason: string }
  /** The deployment could not be followed to its end. */
  | { type: 'deploy_lost'; jobId?: string | undefined; reason: string }
  /** Closed by a person; `rotation`: `orderId` is the V2 subscription's instance ID. */
  | { type: 'closed'; by: string; orderId: string; newOrderId?: string; rotation?: true }
  /** A rotation: the bot submits the instance's next application (UpdateInstance when it differs, ApplyCertificate). */
  | {
      type: 'rotation_applying';
      instanceId: string;
      certIdBefore: string | undefined;
      application: ApplicationPlan;
      csr: boolean;
    }
  /** CAS has the rotation's application (`byHand`: the instance already had one under way). */
  | { type: 'rotation_applied'; instanceId: string; byHand: boolean }
  /** The rotation's application failed: its task's `TaskMessage`, or CAS's refusal of ApplyCertificate. */
  | { type: 'rotation_failed'; instanceId: string; message: string; casCode?: string }
  /** Domain validated; the CA is reviewing the rotation's application. */
  | { type: 'rotation_reviewing'; instanceId: string }
  /** The rotation issued a new certificate (a CertificateId the instance did not have before). */
  | { type: 'rotation_issued'; instanceId: string; newCertId: string; certIdBefore: string | undefined };
