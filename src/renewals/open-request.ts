import { approvalsRequired } from '../approval/decisions.ts';
import { lookupOrderForRenewal } from '../cas/order-lookup.ts';
import type { ParsedCsr } from '../csr/parse-csr.ts';
import type { OpenOutcome } from './outcomes.ts';
import { createRecentRenewalCheck } from './recent-renewal.ts';
import type { EarlierRenewal, PreviousRequest, RenewalRecord } from './record.ts';
import { endedUnconfirmed } from './renewal-states.ts';
import type { RequestServiceDeps } from './request-deps.ts';
import { dueEntries } from './request-due.ts';
import { can } from './transitions.ts';

/**
 * The order's previous request when it ended unconfirmed (needs attention, or closed by a person): the renewal may
 * have happened, so whoever approves must check CAS first.
 */
function unconfirmedPrevious(previous: RenewalRecord | undefined): PreviousRequest | undefined {
  if (!previous || !endedUnconfirmed(previous)) return undefined;
  const { id, state, channelId, messageTs, resolution, resolvedBy, newOrderId } = previous;
  return { id, state, channelId, messageTs, resolution, resolvedBy, newOrderId };
}

/** What `/cert renew` and an alert's Renew button start. */
export interface OpenInput {
  orderId: string;
  csr: ParsedCsr | undefined;
  channelId: string;
  userId: string;
  teamId: string | undefined;
  /** The account of the channel (CERT_ACCOUNTS), the request is bound to it; absent without an accounts file. */
  account?: string | undefined;
}

/**
 * The order's open request, unless it was abandoned: a process that died before posting its card leaves a
 * request nobody could ever decide, which is ended here.
 */
export async function liveOpenRequest(
  { store, now }: RequestServiceDeps,
  orderId: string,
): Promise<RenewalRecord | undefined> {
  const open = await store.findOpen(orderId);
  if (open && can(open, 'abandoned', now())) {
    // The process that opened it died before posting its card: nobody could ever decide it.
    await store.transition(open.id, 'abandoned', {
      actor: 'certbot',
      fields: { reason: 'its approval card was never posted' },
    });
    return undefined;
  }
  return open;
}

/**
 * The order as CAS lists it and the application planned for it; or the outcome that says why no request can be
 * opened (CAS unavailable, the order not renewable, no application possible).
 */
async function renewableOrder(deps: RequestServiceDeps, orderId: string) {
  const lookup = await lookupOrderForRenewal(deps.cas, deps.renewableOrders, orderId);
  if (lookup.kind === 'unavailable')
    return { outcome: { kind: 'unavailable', problem: lookup.problem } as const };
  if (lookup.kind === 'not_renewable')
    return { outcome: { kind: 'not_renewable', orderId, problem: lookup.problem } as const };
  const { order, quotaRemaining } = lookup;
  const planned = await planFor(deps, orderId, order.Domain);
  if ('outcome' in planned) return { outcome: planned.outcome };
  return { order, quotaRemaining, plan: planned.plan };
}

/**
 * The application planned for a new request (the approver approves it with the request: decided now, shown on
 * the card), or the outcome that says why none can be (CAS contacts unavailable, no usable contact).
 */
export async function planFor(deps: RequestServiceDeps, orderId: string, domain: string | undefined) {
  const planned = await deps.applications.plan(domain);
  if ('problem' in planned && planned.problem.code === 'contacts_unavailable')
    return {
      outcome: {
        kind: 'unavailable',
        problem: { code: 'unavailable', message: planned.problem.message },
      } as const,
    };
  if ('problem' in planned)
    return { outcome: { kind: 'no_application', orderId, domain, problem: planned.problem } as const };
  return { plan: planned.plan };
}

/** What every new request records of who asked, where, until when and with which key (renewals and rotations). */
export function requestOrigin(deps: RequestServiceDeps, input: OpenInput) {
  return {
    channelId: input.channelId,
    requestedBy: input.userId,
    expiresAt: deps.now() + deps.requestTtlMs,
    teamId: input.teamId,
    // Bound at creation to its channel's account: its calls are made there, and its approvers are that account's.
    ...(input.account !== undefined ? { account: input.account } : {}),
    csrPem: input.csr?.pem,
    csrSummary: input.csr?.summary,
  };
}

/**
 * A new request's expiry, scheduled before its card is posted, so that even a request whose card never appears
 * ends. The request is written either way: if scheduling fails, the card still goes out (telling the person
 * "nothing was changed" would be false) and the sweeper schedules the expiry (sweepExpiries).
 */
export async function scheduleNewExpiry(deps: RequestServiceDeps, record: RenewalRecord): Promise<void> {
  // Its expiry and its first reminder (request-due.ts); handling a reminder schedules the next one.
  await deps.due
    .schedule(dueEntries(record))
    .catch((err: unknown) =>
      deps.logger.warn(
        { recordId: record.id, err: { message: (err as Error).message } },
        'expiry not scheduled; the sweeper schedules it',
      ),
    );
}

/**
 * `/cert renew`: finds the order's open request, or checks the order in CAS and creates the request (one open per
 * order, atomically). Returns what happened; the Slack layer posts the card and reports back with
 * {@link CardReport}, so that a request whose card never appears is cancelled.
 */
export function createOpenRequest(deps: RequestServiceDeps) {
  const { store, logger } = deps;
  const earlierRenewal = createRecentRenewalCheck(deps);
  return {
    async open(input: OpenInput): Promise<OpenOutcome> {
      const open = await liveOpenRequest(deps, input.orderId);
      if (open) return { kind: 'already_open', orderId: input.orderId, open };
      const checked = await renewableOrder(deps, input.orderId);
      if ('outcome' in checked) return checked.outcome;
      const { order } = checked;
      const previous = await store.findLatest(input.orderId);
      // Renewing an order that was already renewed is never silent: the card says so first when our records show
      // it; CAS is asked when an approver approves (approval-renewal-check.ts), so opening a card costs no CAS call.
      const renewedBefore = await earlierRenewal.inRecords(input.orderId);
      const created = await store.create({
        orderId: input.orderId,
        ...requestOrigin(deps, input),
        domain: order.Domain,
        productName: order.ProductName,
        productCode: order.ProductCode,
        certEndTime: order.CertEndTime,
        buyDate: order.BuyDate,
        certStartTime: order.CertStartTime,
        quotaRemaining: checked.quotaRemaining,
        application: checked.plan,
        oldInstanceId: order.InstanceId,
        approvalsRequired: approvalsRequired({ account: input.account }, deps.approvalCount),
        renewedBefore,
        // A renewal that ended unconfirmed may have happened: whoever approves must check CAS first.
        previous: unconfirmedPrevious(previous),
      });
      if (!created.created)
        return { kind: 'already_open', orderId: input.orderId, open: await store.get(created.openId) };
      await scheduleNewExpiry(deps, created.record);
      return { kind: 'created', record: created.record };
    },

    /** The card is in Slack (showing `previous` and `renewedBefore` as given): clicks on it can now be matched to the request. */
    async cardPosted(
      recordId: string,
      channelId: string,
      messageTs: string,
      shown: { previous?: PreviousRequest | undefined; renewedBefore?: EarlierRenewal | undefined } = {},
    ): Promise<void> {
      await store.setCard(recordId, channelId, messageTs, {
        ...(shown.previous ? { previous: shown.previous } : {}),
        ...(shown.renewedBefore ? { renewedBefore: shown.renewedBefore } : {}),
      });
      const record = await store.get(recordId);
      logger.info({ recordId, orderId: record?.orderId }, 'renewal requested');
    },

    /** The card could not be posted: nobody could decide the request, so it is cancelled. */
    async cardNotPosted(recordId: string, slackError: string): Promise<void> {
      logger.warn({ recordId, slackError }, 'could not post the approval card');
      await store.transition(recordId, 'card_not_posted', {
        actor: 'certbot',
        fields: { reason: `card could not be posted (${slackError})` },
      });
    },
  };
}
