import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('layering', () => {
  it.each(['src/renewals', 'src/cas', 'src/worker'])(
    '%s returns data: it imports nothing from Slack and writes no mrkdwn',
    (dir) => {
      const offenders = sources(dir).filter((file) => {
        const text = readFileSync(file, 'utf8');
        return (
          /from '(@slack\/[^']+|[^']*\/slack\/[^']+)'/.test(text) || /chat\.(postMessage|update)/.test(text)
        );
      });

      expect(offenders).toEqual([]);
    },
  );
});
