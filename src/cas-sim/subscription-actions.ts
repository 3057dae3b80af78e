import type { SimAction, SimActionTable } from './actions.ts';
import { parseApplication } from './instance-operations.ts';
import { paging, requireInstanceId, type SimParams } from './params.ts';
import { SimError } from './sim-error.ts';
import type { SimSubscription } from './subscription-model.ts';
import { certificateRow, instanceDetail, instanceRow } from './subscription-views.ts';
import { type SubscriptionStore, statusAt, taskRunning } from './subscriptions.ts';

/** The documented values of ListInstances' filters (SDK ListInstancesRequest). */
const allowed: Record<string, ReadonlySet<string>> = {
  Status: new Set(['inactive', 'pending', 'willExpire', 'expired', 'refund', 'normal', 'closed']),
  CertificateStatus: new Set(['issued', 'revoked', 'willExpire', 'expired']),
  InstanceType: new Set(['BUY', 'TEST']),
  CertificateType: new Set(['DV', 'OV', 'EV']),
  CertificateSource: new Set(['BUY', 'TEST', 'UPLOAD']),
};

/** A filter parameter, refused when it is not one of its documented values. */
function filterValue(params: SimParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (allowed[name] && !allowed[name].has(value))
    throw new SimError(400, 'InvalidParameter', `The specified parameter ${name} is not valid.`);
  return value;
}

/** One page of `rows`: `ShowSize` 1-100 (default 10), answered with at most `pageCap` rows. */
function pageOf<T>(params: SimParams, rows: readonly T[], pageCap: number) {
  const { page, size: asked } = paging(params, 100, 10);
  const size = Math.min(asked, pageCap);
  return {
    CurrentPage: page,
    ShowSize: size,
    TotalCount: rows.length,
    rows: rows.slice((page - 1) * size, page * size),
  };
}

/** The parameters ListInstances filters on. */
const instanceFilters = [
  'Status',
  'CertificateStatus',
  'InstanceType',
  'CertificateType',
  'Brand',
  'ResourceGroupId',
  'Keyword',
] as const;

/**
 * ListInstances' filters, as the real service reads them. `row` builds the instance's row only for a filter that
 * needs it: a listing without filters builds the rows of its page only (10,000 instances, 100 pages: not a million).
 */
function matchesInstance(
  sub: SimSubscription,
  row: () => Record<string, unknown>,
  params: SimParams,
): boolean {
  const keyword = params.Keyword;
  const checks: Array<[string, () => unknown]> = [
    ['Status', () => row().Status],
    ['CertificateStatus', () => row().CertificateStatus],
    ['InstanceType', () => sub.instanceType],
    ['CertificateType', () => sub.certificateType],
  ];
  return (
    checks.every(([name, value]) => {
      const wanted = filterValue(params, name);
      return wanted === undefined || wanted === value();
    }) &&
    (params.Brand === undefined || params.Brand.toLowerCase() === sub.brand.toLowerCase()) &&
    (params.ResourceGroupId === undefined || params.ResourceGroupId === sub.resourceGroupId) &&
    (keyword === undefined ||
      [sub.domain, sub.instanceId, String(row().CertificateName)].some((t) => t.includes(keyword)))
  );
}

/** GetInstanceSummary: counts of one instance type (or all) and the account's quotas left. */
function summary(store: SubscriptionStore, now: number, params: SimParams) {
  const type = filterValue(params, 'InstanceType');
  const subs = store.all().filter((s) => type === undefined || s.instanceType === type);
  const count = (status: string) => subs.filter((s) => statusAt(s, now) === status).length;
  return {
    TotalCount: subs.length,
    InactiveCount: count('inactive'),
    WillExpireCount: count('willExpire'),
    CertificateCount: store.quota.certificateCount,
    AutoReissueCount: store.quota.autoReissueCount,
  };
}

/**
 * The CAS V2.0 subscription actions (reference §10). GetInstanceDetail, UpdateInstance and ApplyCertificate answer
 * for subscriptions here and fall through to `instanceActions` (the instances of renewed V1 orders) otherwise.
 */
export function createSubscriptionActions(
  store: SubscriptionStore,
  instanceActions: SimActionTable,
  deps: { now: () => number; orderAppliedAt: (instanceId: string) => number | undefined },
): SimActionTable {
  const { now } = deps;
  const { pageCap, taskMs } = store.behaviour;
  /** A subscription's handler for this instance, else the V1 instance action. */
  const routed =
    (v1: string, v2: (id: string, params: SimParams) => Record<string, unknown>): SimAction =>
    (params) => {
      const id = requireInstanceId(params);
      if (store.has(id)) return v2(id, params);
      const fallback = instanceActions[v1];
      if (!fallback) throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
      return fallback(params);
    };
  return {
    GetInstanceDetail: routed('GetInstanceDetail', (id) => instanceDetail(store.mustGet(id), now(), taskMs)),
    UpdateInstance: routed('UpdateInstance', (id, params) => {
      const app = parseApplication(params, (contactId) => store.contactExists(contactId));
      const autoReissue = params.AutoReissue;
      if (autoReissue !== undefined && autoReissue !== 'enable' && autoReissue !== 'disable')
        throw new SimError(400, 'InvalidParameter', 'The specified parameter AutoReissue is not valid.');
      store.update(id, app, autoReissue);
      return {};
    }),
    ApplyCertificate: routed('ApplyCertificate', (id) => {
      store.apply(id);
      return {};
    }),
    CancelPendingCertificate(params) {
      store.cancel(requireInstanceId(params));
      return {};
    },
    GetTaskAttribute(params) {
      const taskId = params.TaskId;
      if (!taskId) throw new SimError(400, 'MissingTaskId', 'TaskId is mandatory for this action.');
      if ((params.TaskType ?? 'ApplyCertificate') !== 'ApplyCertificate')
        throw new SimError(400, 'InvalidParameter', 'The specified parameter TaskType is not valid.');
      // The task of an application is named by its instance (reference §7.4; ApplyCertificate returns no ID).
      // A renewed V1 order's instance has one too: its application's, which the simulator lets succeed.
      const appliedAt = deps.orderAppliedAt(taskId);
      const last = store.has(taskId)
        ? store.mustGet(taskId).attempts.at(-1)
        : appliedAt === undefined
          ? undefined
          : { appliedAt, outcome: { task: 'success' as const, message: undefined } };
      if (!last) throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
      if (taskRunning(last, now(), taskMs)) return { TaskStatus: 'processing' };
      return last.outcome.task === 'failed'
        ? { TaskStatus: 'failed', TaskMessage: last.outcome.message ?? 'The CA refused the application.' }
        : { TaskStatus: 'success' };
    },
    ListInstances(params) {
      const at = now();
      // Without a filter, only the page's instances need bringing to the present (time never removes one).
      const filtered = instanceFilters.some((name) => params[name] !== undefined && params[name] !== '');
      const rows = filtered
        ? store.all().filter((sub) => {
            let row: Record<string, unknown> | undefined;
            return matchesInstance(sub, () => (row ??= instanceRow(sub, at)), params);
          })
        : store.asLastSeen();
      const { rows: page, ...meta } = pageOf(params, rows, pageCap);
      return { ...meta, InstanceList: page.map((sub) => instanceRow(store.mustGet(sub.instanceId), at)) };
    },
    ListCertificates(params) {
      const at = now();
      const status = filterValue(params, 'CertificateStatus');
      const source = filterValue(params, 'CertificateSource');
      const rows = store
        .all()
        .filter((s) => params.InstanceId === undefined || s.instanceId === params.InstanceId)
        .filter((s) => source === undefined || s.instanceType === source)
        .flatMap((s) => s.certificates.map((c) => certificateRow(s, c, at)))
        .filter((r) => status === undefined || r.CertificateStatus === status)
        .filter((r) => params.Keyword === undefined || String(r.Domain).includes(params.Keyword));
      const { rows: page, ...meta } = pageOf(params, rows, pageCap);
      return { ...meta, CertificateList: page };
    },
    GetInstanceSummary: (params) => summary(store, now(), params),
  };
}
