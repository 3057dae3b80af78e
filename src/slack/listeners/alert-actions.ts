import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { AlertState } from '../../alerts/alert-state.ts';
import type { ApproverDirectory } from '../../approval/approvers.ts';
import type { Logger } from '../../logger.ts';
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
  approvers: ApproverDirectory;
  logger: Logger;
  now: () => number;
}

const snoozeMs = 7 * 86_400_000;

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
        if (!(await deps.approvers.isApprover(body.user.id))) {
          await reply(`Only ${deps.approvers.describe()} can snooze expiry alerts.`);
          return;
        }
        const until = deps.now() + snoozeMs;
        await deps.alertState.snooze(orderId, until, body.user.id);
        deps.logger.info({ orderId, snoozedBy: body.user.id }, 'expiry alert snoozed');
        const channel = body.container?.channel_id ?? body.channel?.id;
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
