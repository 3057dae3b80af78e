import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import {
  accountCasFor,
  accountGroups,
  accountsYaml,
  shopLeadIds,
  startAccountsSim,
  type YamlOverrides,
} from './accounts.ts';
import {
  type AppHarness,
  findButton,
  type HarnessOptions,
  requesterId,
  startAppHarness,
} from './app-harness.ts';

/** The app and the worker against the simulator of several accounts (test/support/accounts.ts), groups in Slack. */
export async function startAccountsApp(
  seeds: Parameters<typeof startAccountsSim>[0],
  options: Omit<HarnessOptions, 'accounts'> = {},
  yaml: YamlOverrides = {},
): Promise<{ h: AppHarness; sim: AccountsSimulator }> {
  const started = await startAccountsSim(seeds);
  const h = await startAppHarness({
    worker: {},
    ...options,
    accounts: accountCasFor(accountsYaml(started.url, yaml), Date.now),
    standIn: { usergroups: accountGroups, ...options.standIn },
  });
  return { h, sim: started.sim };
}

/** `/cert renew <id>` in `channel`; resolves with the card posted there once the app stored where it is. */
export async function cardIn(harness: AppHarness, channel: string, id: string) {
  const before = harness.slack.okCalls('chat.postMessage').length;
  await harness.command(`renew ${id}`, requesterId, { channel_id: channel });
  const call = await harness.slack.waitForCall(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.channel === channel &&
      c.response.ok === true &&
      harness.slack.okCalls('chat.postMessage').indexOf(c) >= before,
  );
  const value = findButton(call.args.blocks, 'cert_approve')?.value as string;
  const recordId = value.split('.')[0] as string;
  await harness.waitForLog((e) => e.msg === 'renewal requested' && e.recordId === recordId);
  return { ts: call.response.ts as string, value, recordId, channel, call };
}

/** A card as {@link cardIn} gives it. */
export type AccountCard = Awaited<ReturnType<typeof cardIn>>;

/** Clicks Approve on `card` as `user`. */
export async function approveAs(harness: AppHarness, card: AccountCard, user: string) {
  await harness.click('cert_approve', { user, messageTs: card.ts, value: card.value, channel: card.channel });
}

/** The first private answer (`response_url` post) that comes after `act`. */
export async function answerTo(harness: AppHarness, act: () => Promise<unknown>) {
  const before = harness.slack.responses.length;
  await act();
  return harness.slack.waitForResponse((r) => harness.slack.responses.indexOf(r) >= before);
}

/** Shop needs two of its leads (approvalsRequired: 2): the first approval is counted, the second approves. */
export async function approveByShopLeads(harness: AppHarness, card: AccountCard) {
  const [first, second] = shopLeadIds;
  const counted = await answerTo(harness, () => approveAs(harness, card, first));
  if (!String(counted.body.text).includes('counted: 1 of 2')) throw new Error(String(counted.body.text));
  await approveAs(harness, card, second);
}
