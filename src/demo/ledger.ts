import type { AccountsSimulator } from '../cas-sim/accounts-sim.ts';
import type { SimCall } from '../cas-sim/server.ts';
import type { SlackCall } from '../slack-standin/server.ts';
import { botAccount, type DemoAccount, roleArnOf } from './demo-accounts.ts';
import { demoNames, mrkdwnToText } from './format.ts';

// What the demo reads back from the simulator's log (every CAS call with its account and STS session name, every
// AssumeRole) and from the Slack stand-in's, to show where each thing was done and who did it.

/** A CAS call as the simulator logged it, with the account it acted in. */
export type AccountCall = SimCall & { account: string };

/** The paid V1 renewal call. */
export const renewAction = 'RenewCertificateOrderForPackageRequest';

/** Where each account's log is now: {@link callsSince} gives the calls made after. */
export function callMark(sim: AccountsSimulator, accounts: readonly DemoAccount[]): Map<string, number> {
  const names = [botAccount.name, ...accounts.map((a) => a.name)];
  return new Map(names.map((name) => [name, sim.account(name).calls.length]));
}

/** The calls every account logged since `mark`, account by account. */
export function callsSince(sim: AccountsSimulator, mark: ReadonlyMap<string, number>): AccountCall[] {
  return [...mark].flatMap(([account, from]) =>
    sim
      .account(account)
      .calls.slice(from)
      .map((c) => ({ ...c, account })),
  );
}

/** A channel as the demo names it. */
const channelName = (id: string) => `#${demoNames[id] ?? id}`;

/** Each Renew call among `calls`: its account, its session, and the role and external ID STS issued it for. */
export function renewLog(
  sim: AccountsSimulator,
  accounts: readonly DemoAccount[],
  calls: readonly AccountCall[],
) {
  return calls
    .filter((c) => c.action === renewAction)
    .map((c) => {
      const account = accounts.find((a) => a.name === c.account);
      const assumed = sim.assumptions.find(
        (a) =>
          a.outcome === undefined &&
          a.sessionName === c.sessionName &&
          account !== undefined &&
          a.roleArn === roleArnOf(account),
      );
      const role = assumed
        ? `; STS issued it for ${assumed.roleArn} with ExternalId ${assumed.externalId}`
        : '';
      return `  ⚙ simulator log: ${c.action} (OrderId ${c.params.OrderId}, ${c.outcome ?? 'ok'}) in account ${c.account} as RoleSessionName=${c.sessionName ?? '(none)'}${role}`;
    });
}

/** Each alert the bot posted among `calls`: its heading, the channel it went to and that channel's account, its domains. */
export function alertLog(accounts: readonly DemoAccount[], calls: readonly SlackCall[]): string[] {
  return calls
    .filter(
      (c) => c.method === 'chat.postMessage' && c.response.ok === true && c.args.thread_ts === undefined,
    )
    .map((c) => {
      const blocks = (c.args.blocks ?? []) as Array<{ type: string; text?: { text: string } }>;
      const heading = blocks.find((b) => b.type === 'header')?.text?.text ?? String(c.args.text);
      const texts = blocks.filter((b) => b.type === 'section').map((b) => mrkdwnToText(b.text?.text ?? ''));
      const domains = texts.flatMap((t) => [...t.matchAll(/^\*([^*\s]+)\*/gm)].map((m) => m[1]));
      const channel = String(c.args.channel);
      const owner = accounts.find((a) => a.channel === channel)?.name ?? 'no account';
      return `  alert "${heading}" → ${channelName(channel)} (account ${owner}): ${domains.join(', ')}`;
    });
}

/** `key n` for each key of `items`, most first. */
function tally(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/** The actions the closing lines count in every account, whatever they were: what costs or changes something. */
const countedActions = [renewAction, 'ApplyCertificate', 'CreateDeploymentJob'];

/** A line per account: its CAS calls by session name and the counted actions; the bot's own account's STS sessions. */
export function accountSummary(sim: AccountsSimulator, accounts: readonly DemoAccount[]): string[] {
  const calls = sim.calls();
  const lines = accounts.map((a) => {
    const mine = calls.filter((c) => c.account === a.name);
    const actions = countedActions.map(
      (action) => `${action} ${mine.filter((c) => c.action === action).length}`,
    );
    return `  ${a.name} (${channelName(a.channel)}): ${mine.length} CAS calls by session: ${tally(mine.map((c) => c.sessionName ?? '(no session)'))} · ${actions.join(', ')}`;
  });
  const own = calls.filter((c) => c.account === botAccount.name);
  const assumed = sim.assumptions.filter((a) => a.outcome === undefined);
  const roles = tally(
    assumed.map((s) => accounts.find((a) => roleArnOf(a) === s.roleArn)?.name ?? s.roleArn),
  );
  lines.push(
    `  ${botAccount.name} (the bot's own account): ${own.length} CAS calls · ${assumed.length} STS sessions assumed (${roles})`,
  );
  return lines;
}
