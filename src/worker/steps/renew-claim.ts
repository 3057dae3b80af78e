import { randomUUID } from 'node:crypto';
import { errorCode } from '../../cas/errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import { leaseScope } from '../../renewals/renew-lease.ts';
import type { TransitionResult } from '../../renewals/store.ts';
import { type StepContext, tell } from '../step-context.ts';

/** What the listing before the call says, as far as this request's reconcile could be confused by it. */
interface Baseline {
  /** Orders pending application listed without a domain or with the order's: a reconcile never takes them. */
  payedBefore: string[];
  domainless: boolean;
  epoch: number;
}

/**
 * The durable `submitting` claim before the paid call, with the renew lease of its scope in the same script. A
 * listing found stale (a holder gave up since it began) is taken again, fresh; a lease held by another unresolved
 * request is returned as such (the caller waits; it never guesses).
 */
export async function claimRenewal(ctx: StepContext, record: RenewalRecord): Promise<TransitionResult> {
  const listsBare = await ctx.store.leases.listsBare();
  let result: TransitionResult | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const baseline = await listBaseline(ctx, record, attempt > 0);
    const scope = leaseScope(record.domain, baseline?.domainless ?? false, listsBare);
    result = await ctx.store.transition(record.id, 'submitting', {
      actor: 'worker',
      fields: {
        intentId: randomUUID(),
        submittingAt: ctx.now(),
        leaseScope: scope,
        ...(baseline ? { payedBefore: baseline.payedBefore, leaseEpoch: baseline.epoch } : {}),
      },
      lease: { scope, epoch: baseline?.epoch },
      notify: [tell({ type: 'submitting', orderId: record.orderId })],
    });
    if (result.ok || result.reason !== 'lease_stale') return result;
  }
  return result as TransitionResult;
}

/**
 * The account's plan orders pending application before the call, or undefined when CAS cannot list them now (a
 * reconcile then matches by domain and date). Taken for every claim: a listing from an earlier try would miss the
 * orders other requests made since.
 */
async function listBaseline(
  ctx: StepContext,
  record: RenewalRecord,
  fresh: boolean,
): Promise<Baseline | undefined> {
  try {
    const { orders, epoch } = await ctx.pendingOrders(fresh);
    return {
      payedBefore: orders.filter((o) => !o.domain || o.domain === record.domain).map((o) => o.orderId),
      domainless: orders.some((o) => !o.domain),
      epoch,
    };
  } catch (err) {
    ctx.logger.warn(
      { err: { code: errorCode(err) } },
      'could not list pending orders before renewing; a reconcile will match by domain and date',
    );
    return undefined;
  }
}
