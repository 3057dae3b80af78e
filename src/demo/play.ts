import { blockActionBody, slashCommandBody } from '../dev/slack-payloads.ts';
import { parseCardValue } from '../slack/cards.ts';
import type { SlackCall } from '../slack-standin/server.ts';
import { demoNames, out } from './format.ts';
import { type AccountCall, callMark, callsSince, renewAction } from './ledger.ts';
import type { Stage } from './stage.ts';

// One request told from the command to the TLS proof, for a V1 renewal and a V2 rotation alike: the person types
// `/cert renew <id>`, approves the card, waits for issuance, deploys from the deployment card, and the bot checks
// the endpoints. The stories differ in their seed and in what the card and the issued line say.

/** Who does what, where, and what the bot's messages look like for this kind of request. */
export interface RequestPlay {
  /** The order or subscription instance `/cert renew` names. */
  id: string;
  channel: string;
  requester: string;
  approver: string;
  /** How the card's fallback text begins (`Certificate renewal request`, `Certificate rotation request`). */
  card: string;
  /** The thread line that says the new certificate is issued. */
  issued: RegExp;
}

/** The button `actionId` on a Block Kit message. */
function button(message: SlackCall, actionId: string) {
  return (
    (message.args.blocks ?? []) as Array<{
      elements?: Array<{ action_id?: string; value?: string; text?: { text: string } }>;
    }>
  )
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === actionId);
}

/** A Slack user as the demo names them. */
const person = (id: string) => `@${demoNames[id] ?? id}`;

/** A message in the thread of `card`. */
const inThread = (c: SlackCall, card: SlackCall) => c.args.thread_ts === card.response.ts;

/** A slower pause than the bot's own bookkeeping of the message just posted, as a person reading it. */
const read = () => new Promise((resolve) => setTimeout(resolve, 300));

/** The approver clicks `actionId` on `message` in the play's channel. */
async function click(stage: Stage, play: RequestPlay, message: SlackCall, actionId: string): Promise<void> {
  await stage.post(
    blockActionBody({
      actionId,
      value: button(message, actionId)?.value,
      userId: play.approver,
      channelId: play.channel,
      messageTs: String(message.response.ts),
      responseUrl: stage.slack.responseUrl(),
    }),
  );
}

/** A top-level or threaded message the bot posted in the play's channel, once it is there. */
function posted(stage: Stage, play: RequestPlay, match: (c: SlackCall) => boolean, timeoutMs: number) {
  return stage.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && c.args.channel === play.channel && match(c),
    timeoutMs,
  );
}

/** What a played request did, from the simulator's log of the CAS calls made meanwhile. */
export interface Played {
  /** The request's ID, as its card's buttons carry it: its CAS calls are made as `certbot-<requestId>`. */
  requestId: string;
  /** The bot's last line: "Serving the new certificate on N of M endpoints." */
  serving: string;
  /** Every CAS call made meanwhile, in any account. */
  calls: AccountCall[];
  renewCalls: number;
  applyCalls: number;
  deployJobs: number;
}

/** `/cert renew <id>`, then Approve on the card, until the thread says the new certificate is issued. */
async function requestAndApprove(stage: Stage, play: RequestPlay, where: string) {
  out(`\n${where}  ${person(play.requester)}: /cert renew ${play.id}`);
  const text = `renew ${play.id}`;
  const responseUrl = stage.slack.responseUrl();
  await stage.post(
    slashCommandBody({ text, response_url: responseUrl, user_id: play.requester, channel_id: play.channel }),
  );
  const card = await posted(
    stage,
    play,
    (c) =>
      c.args.thread_ts === undefined &&
      String(c.args.text).startsWith(`${play.card} for `) &&
      String(c.args.text).includes(play.id),
    15_000,
  );
  await read();
  const requestId = parseCardValue(button(card, 'cert_approve')?.value)?.id ?? '(none)';
  out(`\n${where}  ${person(play.approver)} clicks [Approve] on request ${requestId} and confirms`);
  await click(stage, play, card, 'cert_approve');
  await posted(stage, play, (c) => inThread(c, card) && play.issued.test(String(c.args.text)), 45_000);
  return { card, requestId };
}

/** Deploy on the deployment card in the thread of `card`, until the endpoints serve the new certificate. */
async function deployAndCheck(stage: Stage, play: RequestPlay, where: string, card: SlackCall) {
  const deployCard = await posted(
    stage,
    play,
    (c) => inThread(c, card) && button(c, 'cert_deploy') !== undefined,
    15_000,
  );
  await read();
  const label = button(deployCard, 'cert_deploy')?.text?.text ?? 'Deploy';
  out(`\n${where}  ${person(play.approver)} clicks [${label}] on the deployment card and confirms`);
  await click(stage, play, deployCard, 'cert_deploy');
  const serving = await posted(
    stage,
    play,
    (c) => inThread(c, card) && /Serving the new certificate on/.test(String(c.args.text)),
    30_000,
  );
  // The card itself says so too, a moment later: the story ends once it does.
  await stage.slack.waitForCall(
    (c) =>
      c.method === 'chat.update' &&
      c.args.ts === card.response.ts &&
      JSON.stringify(c.args.blocks ?? []).includes('serving the new certificate on'),
    15_000,
  );
  return String(serving.args.text);
}

/** Plays `play` from `/cert renew` to "Serving the new certificate on N of M endpoints". */
export async function playRequest(stage: Stage, play: RequestPlay): Promise<Played> {
  const mark = callMark(stage.sim, stage.accounts);
  const where = `#${demoNames[play.channel] ?? play.channel}`;
  const { card, requestId } = await requestAndApprove(stage, play, where);
  const serving = await deployAndCheck(stage, play, where, card);
  const calls = callsSince(stage.sim, mark);
  const count = (action: string) => calls.filter((c) => c.action === action).length;
  return {
    requestId,
    serving,
    calls,
    renewCalls: count(renewAction),
    applyCalls: count('ApplyCertificate'),
    deployJobs: count('CreateDeploymentJob'),
  };
}
