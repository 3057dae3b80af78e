import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Decision } from '../../approval/decisions.ts';
import type { DeployService } from '../../renewals/deploy-service.ts';
import type { CardClaim, QueuedLater, Refusal } from '../../renewals/outcomes.ts';
import type { Guarded } from '../after-ack.ts';
import { actionIds, parseCardValue } from '../cards.ts';
import { decisionQueuedLater, renderRefusal } from '../replies.ts';

/** What the deployment card's buttons need. */
export interface DeployActionDeps {
  deploy: DeployService;
  approvers: (decision?: Decision, account?: string) => string;
  guarded: Guarded;
}

/** Deploy, Skip, Roll back and Check again on the deployment card in a renewal's thread. Acked first; the record decides. */
export function registerDeployActions(app: App, deps: DeployActionDeps): void {
  const on = (
    actionId: string,
    label: string,
    run: (input: {
      channelId: string;
      messageTs: string;
      claim: CardClaim;
      userId: string;
      blockId: string;
    }) => Promise<Refusal | QueuedLater | undefined>,
  ) =>
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const reply = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
      await deps.guarded(label, reply, async () => {
        const channelId = body.container?.channel_id ?? body.channel?.id;
        const messageTs = body.container?.message_ts ?? body.message?.ts;
        const claim = parseCardValue(action.value);
        const outcome =
          channelId && messageTs && claim
            ? await run({ channelId, messageTs, claim, userId: body.user.id, blockId: action.block_id })
            : ({ code: 'unknown_card' } as const);
        if (outcome?.code === 'queued_later') await reply(decisionQueuedLater);
        else if (outcome) await reply(renderRefusal(outcome, 'decide', deps.approvers));
      });
    });

  on(actionIds.deploy, 'deploy', (input) => deps.deploy.approve(input));
  on(actionIds.deploySkip, 'skip deployment', (input) => deps.deploy.skip(input));
  on(actionIds.tlsRecheck, 'check again', (input) => deps.deploy.recheckTls(input));
  on(actionIds.rollback, 'roll back', (input) => {
    const workerId = /^result_([0-9]{1,19})$/.exec(input.blockId)?.[1];
    return workerId
      ? deps.deploy.rollback({ ...input, workerId })
      : Promise.resolve({ code: 'unknown_card' } as const);
  });
}
