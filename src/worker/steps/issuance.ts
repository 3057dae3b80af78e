import type { RenewalRecord } from '../../renewals/record.ts';
import type { Notice } from '../../renewals/store.ts';
import type { ThreadEvent } from '../../renewals/thread-events.ts';
import type { TransitionName } from '../../renewals/transitions.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { type DeployTargets, findDeployTargets } from './deploy-targets.ts';

type Found = Extract<DeployTargets, { kind: 'found' }>;

/**
 * Proposes the deployment of an issued request: its own record, created before the request says `issued` (which
 * posts its card), with what it needs of the request copied once. Proposed again (before anyone saw it) when the
 * issuance is retried.
 */
async function proposeDeployment(ctx: StepContext, record: RenewalRecord, targets: Found, sha256?: string) {
  const contactIds = record.application?.contactIds;
  return ctx.store.deployments.transition(record.id, 'deployment_proposed', {
    actor: 'worker',
    detail: `${targets.resources.length} resources`,
    fields: {
      requestId: record.id,
      channelId: record.channelId,
      ...(record.messageTs ? { threadTs: record.messageTs } : {}),
      ...(record.domain ? { domain: record.domain } : {}),
      oldCertId: targets.oldCertId,
      newCertId: targets.newCertId,
      ...(sha256 ? { newCertSha256: sha256 } : {}),
      ...(targets.oldCertSha256 ? { oldCertSha256: targets.oldCertSha256 } : {}),
      ...(contactIds ? { contactIds } : {}),
      resources: targets.resources,
    },
  });
}

/**
 * The certificate is issued. With deployment on, where the old certificate is served is looked up first, so that
 * the same move posts the deployment card (or says there is nothing to deploy to); a lookup CAS could not answer
 * yet is tried again on the next poll (the certificate stays issued in CAS).
 */
export async function issued(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  event: Extract<ThreadEvent, { type: 'issued' | 'rotation_issued' }>,
  fields: Partial<RenewalRecord>,
  newCertId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { store, timings } = ctx;
  const move = (name: TransitionName, notify: Notice[], more: Partial<RenewalRecord> = {}) =>
    store.transition(record.id, name, { actor: 'worker', fields: { ...fields, ...more }, notify });
  const settings = ctx.deploy;
  if (!settings || settings.mode === 'off') {
    const r = await move('issued', [tell(event)], newCertId ? { newCertId } : {});
    if (r.ok)
      ctx.logger.info(
        { recordId: record.id, orderId: record.orderId, newOrderId: record.newOrderId, newCertId },
        'renewal issued',
      );
    return r.ok ? { kind: 'done' } : { kind: 'again' };
  }
  const targets = await findDeployTargets(ctx, record, newCertId, signal);
  if (targets.kind === 'unknown' && targets.retryable) {
    data.pollErrors = (data.pollErrors ?? 0) + 1;
    if (data.pollErrors <= timings.maxPollErrors)
      return { kind: 'later', ms: ctx.pollDelay(data.polls ?? 0) };
  }
  let result: Awaited<ReturnType<typeof move>>;
  if (targets.kind === 'found') {
    const proposed = await proposeDeployment(ctx, record, targets, fields.newCertSha256);
    if (!proposed.ok) return { kind: 'again' };
    result = await move('issued', [tell(event), { kind: 'deploy_card' }], {
      newCertId: targets.newCertId,
    });
  } else if (targets.kind === 'none') {
    result = await move(
      'issued',
      [
        tell(event),
        tell({ type: 'no_resources', oldCertId: targets.oldCertId, products: [...settings.products] }),
      ],
      newCertId ? { newCertId } : {},
    );
  } else {
    result = await move('issued', [
      tell(event),
      tell({ type: 'resources_unknown', message: targets.message }),
    ]);
  }
  return result.ok ? { kind: 'done' } : { kind: 'again' };
}
