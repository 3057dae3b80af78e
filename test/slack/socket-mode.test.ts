import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AppHarness, findButton, requesterId, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

const appToken = 'xapp-1-test-app-token';
let h: AppHarness | undefined;
let wss: WebSocketServer | undefined;
afterEach(async () => {
  await h?.stop();
  for (const client of wss?.clients ?? []) client.terminate();
  await new Promise((r) => (wss ? wss.close(r) : r(undefined)));
  h = undefined;
  wss = undefined;
});

function nextMessage(
  socket: WebSocket,
  predicate: (m: Record<string, unknown>) => boolean,
  timeoutMs = 5_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (!predicate(message)) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(message);
    };
    const timer = setTimeout(() => reject(new Error('no matching Socket Mode message')), timeoutMs);
    socket.on('message', onMessage);
  });
}

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  it('opens a connection with the app token, acks a slash-command envelope and posts the card', async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss?.once('listening', r));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
    // Slack greets every new connection with `hello`; Bolt's start() waits for it.
    const connected = new Promise<WebSocket>((resolve) =>
      wss?.once('connection', (socket) => {
        socket.send(
          JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0CERTBOT' } }),
        );
        resolve(socket);
      }),
    );
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      env: { SLACK_APP_TOKEN: appToken },
      standIn: { socketMode: { appToken, url } },
    });
    const socket = await connected;

    socket.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: 'legacy',
          team_id: 'T0TEST',
          channel_id: 'C0CERTS',
          user_id: requesterId,
          command: '/cert',
          text: `renew ${order.orderId}`,
          api_app_id: 'A0CERTBOT',
          response_url: h.slack.responseUrl(),
          trigger_id: '1.2.3',
        },
      }),
    );
    const ack = await nextMessage(socket, (m) => m.envelope_id === 'env-1');
    const card = await h.slack.waitForCall((c) => c.method === 'chat.postMessage');

    expect(h.slack.calls.find((c) => c.method === 'apps.connections.open')?.token).toBe(appToken);
    expect(ack).toMatchObject({ envelope_id: 'env-1' });
    expect(findButton(card.args.blocks, 'cert_approve')).toBeDefined();
    const recordId = findButton(card.args.blocks, 'cert_approve')?.value;
    socket.send(
      JSON.stringify({
        envelope_id: 'env-2',
        type: 'interactive',
        accepts_response_payload: false,
        payload: {
          type: 'block_actions',
          user: { id: 'U0APPROVER', username: 'approver', team_id: 'T0TEST' },
          api_app_id: 'A0CERTBOT',
          team: { id: 'T0TEST', domain: 'acme' },
          trigger_id: '1.2.4',
          response_url: h.slack.responseUrl(),
          container: {
            type: 'message',
            message_ts: card.response.ts,
            channel_id: 'C0CERTS',
            is_ephemeral: false,
          },
          channel: { id: 'C0CERTS', name: 'certs' },
          message: { ts: card.response.ts, text: 'card', blocks: [] },
          actions: [
            {
              type: 'button',
              action_id: 'cert_approve',
              block_id: 'decision',
              value: recordId,
              action_ts: '1700000001.000001',
            },
          ],
        },
      }),
    );
    const clickAck = await nextMessage(socket, (m) => m.envelope_id === 'env-2');
    const approved = await h.slack.waitForCall((c) => c.method === 'chat.update');
    expect(clickAck).toMatchObject({ envelope_id: 'env-2' });
    expect(JSON.stringify(approved.args.blocks)).toContain('approved by <@U0APPROVER>');

    const httpEvents = await request(`${h.base}/slack/events`, { method: 'POST', body: 'x=1' });
    expect(httpEvents.statusCode).toBe(404);
    await httpEvents.body.dump();
  });
});
