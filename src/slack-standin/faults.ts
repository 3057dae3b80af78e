import type { SlackFault } from './model.ts';

/** Scripted failures, consumed in order by the calls they match. */
export function createSlackFaults() {
  const faults: Array<Required<Pick<SlackFault, 'times'>> & SlackFault> = [];
  return {
    add(fault: SlackFault): void {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    /** The first fault matching this call, if any (consumes one use). */
    take(method: string, args: Record<string, unknown>): SlackFault | undefined {
      const index = faults.findIndex(
        (f) =>
          f.method === method &&
          Object.entries(f.when ?? {}).every(([k, v]) => args[k] === v) &&
          (f.matches?.(args) ?? true),
      );
      const fault = faults[index];
      if (!fault) return undefined;
      fault.times -= 1;
      if (fault.times <= 0) faults.splice(index, 1);
      return fault;
    },
  };
}
