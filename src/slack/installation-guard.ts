import type { App } from '@slack/bolt';
import type { Logger } from '../logger.ts';
import type { Installation, InstallationLookup } from './installation.ts';

type Payload = {
  type?: unknown;
  command?: unknown;
  team_id?: unknown;
  team?: { id?: unknown } | null;
  enterprise_id?: unknown;
  enterprise?: { id?: unknown } | null;
  api_app_id?: unknown;
  user?: { team_id?: unknown } | null;
  view?: { state?: { values?: Record<string, unknown> } } | null;
};

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** What in a payload does not match the installation, if anything. */
export function mismatch(body: Payload, installation: Installation): string | undefined {
  const team = str(body.team_id) ?? str(body.team?.id);
  const enterprise = str(body.enterprise_id) ?? str(body.enterprise?.id);
  const app = str(body.api_app_id);
  if (installation.teamId && team && team !== installation.teamId) return 'team';
  if (installation.enterpriseId && enterprise && enterprise !== installation.enterpriseId)
    return 'enterprise';
  if (installation.enterpriseId === undefined && enterprise && installation.teamId) return 'enterprise';
  if (installation.appId && app && app !== installation.appId) return 'app';
  return undefined;
}

/** What the person is told when a payload is refused. */
export const refusalTexts = {
  foreign: 'This bot is not installed for this workspace or app; nothing was done.',
  unverified:
    'I cannot confirm yet which Slack workspace and app I belong to (Slack has not answered `auth.test`), so nothing was done. Try again in a minute.',
} as const;

type Ack = (response?: object) => Promise<void>;
type Respond = (message: object) => Promise<unknown>;

/**
 * Answers a refused payload in the way its kind allows: a command's ack carries the text; a modal stays open with
 * the text under its first input (the person can submit again); a button gets it privately through its
 * `response_url` (only when the installation is unknown: a foreign workspace is not written to).
 */
async function refuse(body: Payload, why: keyof typeof refusalTexts, ack?: Ack, respond?: Respond) {
  const text = refusalTexts[why];
  if (!ack) return;
  if (typeof body.command === 'string') {
    await ack({ response_type: 'ephemeral', text });
    return;
  }
  const firstInput = Object.keys(body.view?.state?.values ?? {})[0];
  if (body.type === 'view_submission' && firstInput) {
    await ack({ response_action: 'errors', errors: { [firstInput]: text } });
    return;
  }
  await ack();
  if (why === 'unverified' && respond)
    await respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => undefined);
}

/**
 * Refuses payloads from another workspace, organisation or app (a misconfigured shared signing secret, an
 * org-wide install the bot was not set up for): acked with a private word, never handled. Fails closed: while the
 * installation is unknown (`auth.test` has not answered yet, or failed), every payload is refused with a word
 * saying so, and the next one asks `auth.test` again.
 */
export function guardInstallation(app: App, deps: { logger: Logger; installation: InstallationLookup }) {
  app.use(async (args) => {
    const body = args.body as Payload;
    // Bolt's authorize (createSlackApp) has already waited, bounded, for an unknown installation.
    const installation = deps.installation.current();
    const wrong = installation ? mismatch(body, installation) : 'unknown installation';
    if (!wrong) {
      await args.next();
      return;
    }
    deps.logger.warn(
      { mismatch: wrong },
      installation ? 'payload from another installation refused' : 'payload refused: installation unknown',
    );
    // Bolt types ack and respond per payload kind; here any kind can arrive.
    const { ack, respond } = args as { ack?: Ack; respond?: Respond };
    await refuse(body, installation ? 'foreign' : 'unverified', ack, respond);
  });
}
