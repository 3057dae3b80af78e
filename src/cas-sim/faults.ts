/**
 * A fault to inject. `throttle`, `server-error`, `error`, `drop` and `slow` happen before the action runs (CAS
 * did nothing); `lost-response` and `error-after-acting` run the action first (CAS did the work, the caller cannot
 * tell): "renewed, but the response never arrives".
 */
export type Fault =
  | { kind: 'throttle'; retryAfterMs?: number }
  | { kind: 'server-error'; code?: 'ServiceUnavailable' | 'InternalError'; status?: number }
  | { kind: 'error'; status: number; code: string; message?: string }
  | { kind: 'drop' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'lost-response'; hangMs?: number }
  | { kind: 'error-after-acting'; code?: string; status?: number }
  /** Acts, then answers HTTP 200 with its JSON body cut short (a proxy or a CAS front end failing mid-answer). */
  | { kind: 'malformed' }
  /** Parks the request (before acting, or after acting with the answer held back) until the test releases it. */
  | { kind: 'hold'; afterActing?: boolean };

/** A held request, as announced on the simulator's `held` event. */
export interface HeldRequest {
  action: string;
  /** `answer` lets it go on normally; `drop` closes the connection without an answer. */
  release(how: 'answer' | 'drop'): void;
}

/** A fault and which calls it hits. */
export interface FaultRule {
  fault: Fault;
  /** Only this action; any when unset. */
  action?: string;
  /** How many matching calls it hits. @defaultValue 1 */
  times?: number;
}

/** A queue of faults consumed in order by matching calls. */
export function createFaultQueue() {
  const rules: Array<Required<Pick<FaultRule, 'times'>> & FaultRule> = [];
  return {
    add(rule: FaultRule): void {
      rules.push({ ...rule, times: rule.times ?? 1 });
    },
    clear(): void {
      rules.length = 0;
    },
    /** The fault for this call, if any (consumes one use). */
    take(action: string): Fault | undefined {
      const index = rules.findIndex((r) => r.action === undefined || r.action === action);
      const rule = rules[index];
      if (!rule) return undefined;
      rule.times--;
      if (rule.times <= 0) rules.splice(index, 1);
      return rule.fault;
    },
    get pending(): number {
      return rules.reduce((n, r) => n + r.times, 0);
    },
  };
}
