import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  modalAfter,
  modalText,
  openCard,
} from '../support/app-harness.ts';
import {
  neverIssues,
  type RotationRig,
  rotated,
  rotationSubscription,
  startRotation,
  threadUntil,
  withdrawnRotation,
} from '../support/rotation.ts';

let rig: RotationRig | undefined;
afterEach(async () => {
  await rig?.harness.stop();
  await rig?.tls?.close();
  rig = undefined;
});

type CloseView = {
  callback_id: string;
  private_metadata: string;
  title: { text: string };
  blocks: Array<{ block_id?: string; element?: { options?: Array<{ text: { text: string } }> } }>;
};

/** A rotation whose application was withdrawn in CAS (it needs attention), and its Close modal as an approver sees it. */
async function closeModalOfRotation() {
  rig = await startRotation(rotationSubscription(), { seed: neverIssues });
  const h = rig.harness;
  const { card, thread, attentionCard } = await withdrawnRotation(h);
  const value = findButton(attentionCard.args.blocks, 'cert_resolve')?.value;
  const view = (await modalAfter(h, () =>
    h.click('cert_resolve', { user: approverId, messageTs: card.ts, value }),
  )) as CloseView;
  return { h, card, thread, view };
}

/** Submits the Close modal with these values. */
const submit = (h: AppHarness, view: CloseView, values: Parameters<AppHarness['submitView']>[1]['values']) =>
  h.submitView(view.callback_id, { user: approverId, privateMetadata: view.private_metadata, values });

describe('closing a rotation that needs attention', () => {
  it('says rotation and subscription, never renewal or order: the modal, the thread and the card', async () => {
    const { h, card, thread, view } = await closeModalOfRotation();

    await submit(h, view, {
      outcome: { value: { type: 'radio_buttons', selected_option: { value: 'not_renewed' } } },
    });
    const closed = await threadUntil(h, card.ts, /closed this request/);
    const closedCard = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' && c.args.ts === card.ts && /Closed by/.test(blocksText(c.args.blocks)),
    );

    expect(thread.find((t) => t.includes('Needs attention'))).toContain(
      'The subscription is free for a new request meanwhile.',
    );
    expect(view.title.text).toBe('Close rotation request');
    // What a person reads (the option's value is the form's, not shown).
    const shown = [...modalText(view).matchAll(/"text":"([^"]*)"/g)].map((m) => m[1]).join('\n');
    expect(shown).toContain(`subscription \`${rotated.instanceId}\``);
    expect(shown).not.toMatch(/renew|order/i);
    expect(view.blocks.map((b) => b.block_id)).not.toContain('new_order');
    expect(
      view.blocks.find((b) => b.block_id === 'outcome')?.element?.options?.map((o) => o.text.text),
    ).toEqual(['Not rotated: no new certificate']);
    expect(closed.at(-1)).toBe(
      `:ballot_box_with_check: <@${approverId}> closed this request: subscription \`${rotated.instanceId}\` was not rotated. Run \`/cert renew ${rotated.instanceId}\` if it is still needed.`,
    );
    expect(blocksText(closedCard.args.blocks)).toContain(': not rotated');
    expect(
      h.slack
        .thread(channelId, card.ts)
        .map((m) => m.text)
        .join('\n'),
    ).not.toMatch(/not renewed/);
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('resolved');
  });

  it('refuses a Close as renewed with a new order (a rotation has none), and changes nothing', async () => {
    const { h, card, view } = await closeModalOfRotation();

    await submit(h, view, {
      outcome: { value: { type: 'radio_buttons', selected_option: { value: 'renewed' } } },
      new_order: { value: { type: 'plain_text_input', value: '123456789012' } },
    });
    const answer = await h.slack.waitForCall(
      (c) => c.method === 'chat.postEphemeral' && /a rotation has no new order/.test(String(c.args.text)),
    );

    expect(answer.args.user).toBe(approverId);
    const record = await h.app.redis.hgetall(`${h.prefix}:renewal:${card.recordId}`);
    expect(record.state).toBe('needs_attention');
    expect(record.newOrderId).toBeUndefined();
    expect(await h.app.redis.get(`${h.prefix}:new-order:123456789012`)).toBeNull();
  });
});

describe('the modals a rotation card opens', () => {
  it('open under a neutral title while the request is looked up, then say what they act on', async () => {
    rig = await startRotation(rotationSubscription());
    const h = rig.harness;
    const card = await openCard(h, rotated.instanceId);
    const opens = () => h.slack.calls.filter((c) => c.method === 'views.open' && c.response.ok === true);

    const reject = (await modalAfter(h, () =>
      h.click('cert_reject', { user: approverId, messageTs: card.ts, value: card.value }),
    )) as CloseView;
    const loading = opens().at(-1)?.args.view as { title: { text: string } };

    expect(loading.title.text).toBe('Reject request');
    expect(reject.title.text).toBe('Reject rotation');
  });
});
