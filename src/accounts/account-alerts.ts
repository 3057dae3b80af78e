import { type AlertService, listedMost, type ScanSummary } from '../alerts/alert-service.ts';
import type { AccountCas } from './account-cas.ts';
import type { Account } from './accounts-file.ts';

/** Adds the summaries of several accounts' scans up (the lists keep their first {@link listedMost}). */
export function mergeSummaries(summaries: readonly ScanSummary[]): ScanSummary {
  const [first, ...rest] = summaries;
  if (!first) throw new Error('no scan summary');
  const total: ScanSummary = {
    ...first,
    channels: [...first.channels],
    stuckPending: { ...first.stuckPending, first: [...first.stuckPending.first] },
    inactive: { ...first.inactive, first: [...first.inactive.first] },
  };
  const counts = total as unknown as Record<string, number>;
  for (const s of rest) {
    for (const [key, value] of Object.entries(s))
      if (typeof value === 'number') counts[key] = (counts[key] ?? 0) + value;
    total.channels.push(...s.channels);
    total.stuckPending.count += s.stuckPending.count;
    total.stuckPending.first.push(...s.stuckPending.first);
    total.inactive.count += s.inactive.count;
    total.inactive.first.push(...s.inactive.first);
  }
  total.stuckPending.first.splice(listedMost);
  total.inactive.first.splice(listedMost);
  return total;
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
