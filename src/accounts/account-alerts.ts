import { type AlertService, listedMost, type ScanSummary } from '../alerts/alert-service.ts';
import type { AccountCas } from './account-cas.ts';
import type { Account } from './accounts-file.ts';

/** Adds the summaries of several accounts' scans up (the lists keep their first {@link listedMost}). */
export function mergeSummaries(summaries: readonly ScanSummary[]): ScanSummary {
  const [first, ...rest] = summaries;
  if (!first) throw new Error('no scan summary');
  return rest.reduce<ScanSummary>((sum, s) => {
    const total = { ...sum };
    for (const key of Object.keys(s) as Array<keyof ScanSummary>) {
      const value = s[key];
      if (typeof value === 'number') (total as Record<string, unknown>)[key] = (sum[key] as number) + value;
    }
    return {
      ...total,
      channels: [...sum.channels, ...s.channels],
      stuckPending: {
        count: sum.stuckPending.count + s.stuckPending.count,
        first: [...sum.stuckPending.first, ...s.stuckPending.first].slice(0, listedMost),
      },
      inactive: {
        count: sum.inactive.count + s.inactive.count,
        first: [...sum.inactive.first, ...s.inactive.first].slice(0, listedMost),
      },
    };
  }, first);
}

/**
 * The expiry scan of every account, one after another, each in its own session (`certbot-scan`, read-only) and so
 * paced by its own account's window, each posting to its own channels (`make` gives an account's alert service).
 * An account whose scan fails does not stop the others; the scan fails after all ran, with the first error.
 */
export function createAccountAlerts(
  accounts: AccountCas,
  make: (account: Account) => AlertService,
): AlertService {
  const services = accounts.directory.accounts.map((account) => ({ account, service: make(account) }));
  const each = async (run: (service: AlertService) => Promise<ScanSummary>) => {
    const summaries: ScanSummary[] = [];
    const errors: unknown[] = [];
    for (const { account, service } of services) {
      await accounts
        .run({ account, sessionName: 'certbot-scan', purpose: 'read' }, () => run(service))
        .then(
          (s) => summaries.push(s),
          (err: unknown) => errors.push(err),
        );
    }
    if (errors.length > 0) throw errors[0];
    return mergeSummaries(summaries);
  };
  return {
    runScan: () => each((s) => s.runScan()),
    runWatchedScan: () => each((s) => s.runWatchedScan()),
  };
}
