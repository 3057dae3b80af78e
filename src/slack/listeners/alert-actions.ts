import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { AccountDirectory } from '../../accounts/account-directory.ts';
import type { AlertState } from '../../alerts/alert-state.ts';
import type { Decision, DecisionPolicy } from '../../approval/decisions.ts';
import type { Logger } from '../../logger.ts';
import { noAccountText } from '../account-replies.ts';
import type { Guarded } from '../after-ack.ts';
import { alertActionIds } from '../alert-messages.ts';
import { isInstanceId, orderIdProblem } from '../command-parser.ts';
import { mention, slackDate } from '../mrkdwn.ts';
import type { OpenFlow } from '../open-flow.ts';

/** What the alert buttons need. */
export interface AlertActionDeps {
  openAndPost: OpenFlow;
  alertState: AlertState;
  /** Runs the work after the ack, bounded, answering the person if it fails. */
  guarded: Guarded;
  /** Who may make which decision in an account (the Snooze check asks it). */
  decisions: Pick<DecisionPolicy, 'mayDecide' | 'describe'>;
  /** Which account the alert's channel belongs to: its approvers may snooze the alert. */
  directory: Pick<AccountDirectory, 'fromFile' | 'accountFor' | 'channelsWithAccount'>;
  logger: Logger;
  now: () => number;
}

const snoozeMs = 7 * 86_400_000;

/** The decision whose deciders may snooze an alert row, and the account it is asked in. */
export interface SnoozeRule {
  decision: Decision;
  /** The account of the alert's channel (accounts file); undefined: the environment's lists. */
  account: string | undefined;
}

/**
 * Who may snooze the row of `id` in an alert posted in `channelId`: whoever may make the decision Renew on that row
 * would ask for, in the account of the alert's channel. A V1 order's Renew opens a renewal, which spends money: its
 * account's `approvers`; a V2 instance's opens a rotation: its `approvers` or `rotationApprovers` (each, where the
 * account gives none, the environment's). Without an accounts file, `CERT_APPROVERS` for every row, as ever.
 * Undefined: the channel belongs to no account, and nobody may snooze there.
 */
export function snoozeRule(
  directory: AlertActionDeps['directory'],
  channelId: string | undefined,
  id: string,
): SnoozeRule | undefined {
  const decision = isInstanceId(id) ? 'rotation' : 'money';
  if (!directory.fromFile) return { decision, account: undefined };
  const account = channelId ? directory.accountFor(channelId) : undefined;
  return account && { decision, account: account.name };
}

/** Why `userId` may not snooze the row of `id` in the alert posted in `channelId`; undefined when they may. */
async function snoozeRefusal(
  deps: AlertActionDeps,
  userId: string,
  channelId: string | undefined,
  id: string,
): Promise<string | undefined> {
  const rule = snoozeRule(deps.directory, channelId, id);
  if (!rule) return noAccountText(deps.directory.channelsWithAccount());
  if ((await deps.decisions.mayDecide(rule.decision, userId, rule.account)) === 'approver') return undefined;
  const who = deps.decisions.describe(rule.decision, rule.account);
  return `Only ${who} can snooze ${deps.directory.fromFile ? 'this alert' : 'expiry alerts'}.`;
}

/**
 * Renew and Snooze on expiry alerts. The button's value is only an order (or instance) ID typed by the bot: it is
 * checked like typed input, and Renew starts exactly the `/cert renew` flow (CAS is asked again; an open request is
 * linked): a V1 renewal, or a V2 rotation.
 */
export function registerAlertActions(app: App, deps: AlertActionDeps): void {
  const replyTo = (respond: (m: object) => Promise<unknown>) => (text: string) =>
    respond({ response_type: 'ephemeral', replace_original: false, text });

  app.action<BlockAction<ButtonAction>>(alertActionIds.renew, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = replyTo(respond);
    const orderId = action.value ?? '';
    const channelId = body.container?.channel_id ?? body.channel?.id;
    // A V1 row's Renew carries an order ID; a V2 row's an instance ID (the same flow opens a rotation).
    if ((orderIdProblem(orderId) && !isInstanceId(orderId)) || !channelId) {
      await reply('This button does not carry a valid order or instance ID.');
      return;
    }
    await deps.guarded('renew from alert', reply, () =>
      deps.openAndPost(
        { orderId, csr: undefined, channelId, userId: body.user.id, teamId: body.team?.id },
        reply,
      ),
    );
  });

  app.action<BlockAction<ButtonAction>>(
    alertActionIds.snooze,
    async ({ ack, body, action, respond, client }) => {
      await ack();
      const reply = replyTo(respond);
      const orderId = action.value ?? '';
      if (orderIdProblem(orderId) && !isInstanceId(orderId)) {
        await reply('This button does not carry a valid order or instance ID.');
        return;
      }
      await deps.guarded('snooze', reply, async () => {
        const channel = body.container?.channel_id ?? body.channel?.id;
        const refusal = await snoozeRefusal(deps, body.user.id, channel, orderId);
        if (refusal !== undefined) {
          await reply(refusal);
          return;
        }
        const until = deps.now() + snoozeMs;
        await deps.alertState.snooze(orderId, until, body.user.id);
        deps.logger.info({ orderId, snoozedBy: body.user.id }, 'expiry alert snoozed');
        const ts = body.container?.message_ts ?? body.message?.ts;
        if (channel && ts) {
          await client.chat
            .postMessage({
              channel,
              thread_ts: ts,
              text: `:zzz: ${mention(body.user.id)} snoozed alerts for ${isInstanceId(orderId) ? 'instance' : 'order'} \`${orderId}\` until ${slackDate(until)}.`,
            })
            .catch(() => undefined);
        }
        await reply(
          `Alerts for ${isInstanceId(orderId) ? 'instance' : 'order'} \`${orderId}\` are snoozed until ${slackDate(until)}.`,
        );
      });
    },
  );
}
