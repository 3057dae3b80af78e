// The ack benchmark's baseline: a bare Bolt app (HTTPReceiver) whose /cert only acks, as anyone would write it, in
// plain JavaScript run by Node with its defaults (the certbot app runs compiled too: `npm run app`). Configured by
// the environment; prints `READY <port>` once listening.
import bolt from '@slack/bolt';

const bare = new bolt.App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? '' },
});
bare.command('/cert', async ({ ack }) => {
  await ack();
});
const server = await bare.start(0);
process.stdout.write(`READY ${server.address().port}\n`);
// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.once('SIGTERM', () => process.exit(0));
