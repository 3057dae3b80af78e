import { dayMs, issueFor, type SimOrder, validatedDomain } from './order-book.ts';
import type { ScriptStep } from './seed.ts';
import type { SimCa } from './sim-ca.ts';

/** Default script of a renewal's new order: pending, DNS validation twice, review, issued. */
export const defaultRenewScript: ScriptStep[] = [
  { type: 'payed', validation: 'DNS', polls: 1 },
  { type: 'domain_verify', validation: 'DNS', polls: 2 },
  { type: 'process', validation: 'DNS', polls: 1 },
  { type: 'certificate', validation: 'DNS', polls: 1 },
];

const listStatusOf: Record<ScriptStep['type'], SimOrder['status'] | undefined> = {
  payed: 'PAYED',
  domain_verify: 'CHECKING',
  process: 'CHECKING',
  verify_fail: 'CHECKED_FAIL',
  certificate: 'ISSUED',
  unknow: undefined,
  weird: undefined,
};

/** What playing an order's script needs: the clock, the CA, and new certificate IDs. */
export interface ScriptDeps {
  now: () => number;
  ca: SimCa;
  newCertificateId: () => string;
}

/**
 * One look at an order's state (describe or instance detail): answers the current step, then advances after its
 * `polls`; reaching `certificate` issues the certificate once.
 */
export async function pollScript(order: SimOrder, deps: ScriptDeps): Promise<ScriptStep> {
  const step = order.script[Math.min(order.step, order.script.length - 1)] as ScriptStep;
  order.pollsInStep++;
  if (order.pollsInStep >= step.polls && order.step < order.script.length - 1) {
    order.step++;
    order.pollsInStep = 0;
  }
  const status = listStatusOf[step.type];
  // An issued certificate that is about to expire (or expired) stays listed as such: describing it does not
  // make it ISSUED again.
  const issuedAlready = order.status === 'WILLEXPIRED' || order.status === 'EXPIRED';
  if (status && !(issuedAlready && status === 'ISSUED')) order.status = status;
  if (step.type === 'certificate' && !order.issued) {
    const now = deps.now();
    order.certStartTime = now;
    order.certEndTime = now + 365 * dayMs;
    order.issued = await issueFor(deps.ca, order, {
      domain: validatedDomain(order),
      csrPem: order.csr,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(order.certEndTime),
    });
    order.instance.status = 'normal';
    order.instance.certificateId = deps.newCertificateId();
  }
  return step;
}

/** The wait for the application is over: a script that starts with `payed` moves past it. */
export function skipPayedStep(order: SimOrder): void {
  if (order.script[order.step]?.type === 'payed' && order.step < order.script.length - 1) {
    order.step++;
    order.pollsInStep = 0;
  }
}
