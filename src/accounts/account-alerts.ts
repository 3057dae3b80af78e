import {
  type AlertService,
  listedMost,
  type ScanSummary,
  scanFailureReason,
} from '../alerts/alert-service.ts';
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

/** An account whose scan failed, and why (an error's message: outside text, escaped where rendered). */
export interface FailedAccountScan {
  account: string;
  reason: string;
}

/**
 * The scan of several accounts failed for some of them: it carries what the others did (`summary`, merged; undefined
 * when every account failed) and which failed, and why. Thrown, so that the scheduled scan's job fails (and is
 * retried) as when one account fails.
 */
export class AccountScansFailed extends Error {
  override name = 'AccountScansFailed';
  constructor(
    /** The merged summary of the accounts whose scan succeeded, or undefined when none did. */
    readonly summary: ScanSummary | undefined,
    /** The accounts whose scan succeeded, in the file's order. */
    readonly succeeded: readonly string[],
    readonly failed: readonly FailedAccountScan[],
  ) {
    super(`expiry scan failed for account ${failed.map((f) => f.account).join(', ')}`);
  }
}

/**
 * The expiry scan of every account, one after another, each in its own session (`certbot-scan`, read-only) and so
 * paced by its own account's window, each posting to its own channels (`make` gives an account's alert service).
 * An account whose scan fails does not stop the others; the scan fails after all ran: with an accounts file, with
 * {@link AccountScansFailed} (what the others did, and every failure); without one, with the one account's error.
 */
export function createAccountAlerts(
  accounts: AccountCas,
  make: (account: Account) => AlertService,
): AlertService {
  const services = accounts.directory.accounts.map((account) => ({ account, service: make(account) }));
  const each = async (run: (service: AlertService) => Promise<ScanSummary>) => {
    const summaries: ScanSummary[] = [];
    const succeeded: string[] = [];
    const errors: Array<{ account: string; err: unknown }> = [];
    for (const { account, service } of services) {
      await accounts
        .run({ account, sessionName: 'certbot-scan', purpose: 'read' }, () => run(service))
        .then(
          (s) => {
            summaries.push(s);
            succeeded.push(account.name);
          },
          (err: unknown) => errors.push({ account: account.name, err }),
        );
    }
    const [first] = errors;
    if (first && !accounts.directory.fromFile) throw first.err;
    if (first) {
      const failed = errors.map((e) => ({ account: e.account, reason: scanFailureReason(e.err) }));
      throw new AccountScansFailed(
        summaries.length > 0 ? mergeSummaries(summaries) : undefined,
        succeeded,
        failed,
      );
    }
    return mergeSummaries(summaries);
  };
  return {
    runScan: () => each((s) => s.runScan()),
    runWatchedScan: () => each((s) => s.runWatchedScan()),
  };
}
