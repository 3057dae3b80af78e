import type { Logger } from '../logger.ts';
import { scrubText } from '../logging.ts';
import { settleWithin } from '../settle-within.ts';

/** Who this bot is installed as, from `auth.test`: payloads from elsewhere are refused. */
export interface Installation {
  teamId: string | undefined;
  enterpriseId: string | undefined;
  appId: string | undefined;
  botId: string | undefined;
  botUserId: string | undefined;
}

/** The fields of an `auth.test` answer the bot reads. */
export interface AuthTestAnswer {
  team_id?: string;
  enterprise_id?: string;
  app_id?: string;
  bot_id?: string;
  user_id?: string;
}

/** The bot's installation, learnt once from `auth.test`. */
export interface InstallationLookup {
  /** The installation, once `auth.test` has answered; undefined before. */
  current(): Installation | undefined;
  /**
   * The installation, waiting at most `waitMs` milliseconds for `auth.test` when it is not known yet; undefined
   * if it did not answer in time or failed (then the next call asks again).
   */
  settle(waitMs: number): Promise<Installation | undefined>;
}

const fromAnswer = (me: AuthTestAnswer): Installation => ({
  teamId: me.team_id || undefined,
  enterpriseId: me.enterprise_id || undefined,
  appId: me.app_id || undefined,
  botId: me.bot_id || undefined,
  botUserId: me.user_id || undefined,
});

/**
 * Asks `auth.test` at once, and again on demand while it has not answered: one call in flight at a time, a failure
 * logged (never thrown, so a Slack outage at start-up cannot stop the process), the answer kept for good.
 */
export function createInstallationLookup(deps: {
  authTest: () => Promise<AuthTestAnswer>;
  logger: Logger;
}): InstallationLookup {
  let known: Installation | undefined;
  let inFlight: Promise<Installation | undefined> | undefined;
  const lookup = () => {
    inFlight ??= deps.authTest().then(
      (me) => {
        known = fromAnswer(me);
        return known;
      },
      (err: unknown) => {
        deps.logger.warn(
          { err: { message: scrubText(err instanceof Error ? err.message : String(err)) } },
          'auth.test failed; installation unknown, Slack requests are refused until it answers',
        );
        inFlight = undefined;
        return undefined;
      },
    );
    return inFlight;
  };
  void lookup();
  return {
    current: () => known,
    async settle(waitMs) {
      if (known) return known;
      const answer = lookup();
      return (await settleWithin(answer, waitMs)) ? answer : undefined;
    },
  };
}
