import type { App } from '@slack/bolt';
import type { Logger } from '../logger.ts';

/** Who this bot is installed as, from `auth.test`: payloads from elsewhere are refused. */
export interface Installation {
  teamId: string | undefined;
  enterpriseId: string | undefined;
  appId: string | undefined;
}

type Payload = {
  team_id?: unknown;
  team?: { id?: unknown } | null;
  enterprise_id?: unknown;
  enterprise?: { id?: unknown } | null;
  api_app_id?: unknown;
  user?: { team_id?: unknown } | null;
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

/**
 * Refuses payloads from another workspace, organisation or app (a misconfigured shared signing secret, an
 * org-wide install the bot was not set up for): acked with a private word, never handled. The installation is
 * read once with `auth.test` and cached; while it is unknown nothing is refused.
 */
export function guardInstallation(
  app: App,
  deps: { logger: Logger; installation: () => Promise<Installation> },
) {
  let known: Installation | undefined;
  const lookup = () =>
    deps.installation().then(
      (found) => {
        known = found;
        return found;
      },
      (err: unknown) => {
        deps.logger.warn(
          { err: { message: (err as Error).message } },
          'auth.test failed; installation unknown',
        );
        return undefined;
      },
    );
  let pending = lookup();
  app.use(async ({ body, ack, next }) => {
    const installation = known ?? (await pending);
    if (!known) pending = lookup();
    const wrong = installation ? mismatch(body as Payload, installation) : undefined;
    if (!wrong) {
      await next();
      return;
    }
    deps.logger.warn({ mismatch: wrong }, 'payload from another installation refused');
    const type = (body as { type?: string; command?: string }).command
      ? 'command'
      : (body as { type?: string }).type;
    // Bolt types ack per payload kind; here any kind can arrive.
    const reply = ack as ((response?: object) => Promise<void>) | undefined;
    if (!reply) return;
    await reply(
      type === 'command'
        ? {
            response_type: 'ephemeral',
            text: 'This bot is not installed for this workspace or app; nothing was done.',
          }
        : undefined,
    );
  });
}
