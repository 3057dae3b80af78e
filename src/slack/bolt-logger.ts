import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../logger.ts';

/** Routes Bolt's own logging into ours (JSON, redacted). Bolt's debug output is dropped: it can hold payloads. */
export function toBoltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ');
  return {
    debug: () => {},
    info: (...msg) => logger.info({ source: 'bolt' }, text(msg)),
    warn: (...msg) => logger.warn({ source: 'bolt' }, text(msg)),
    error: (...msg) => logger.error({ source: 'bolt' }, text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
