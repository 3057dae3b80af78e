import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configVariables } from '../../src/config/config.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('deployment files', () => {
  it('docker-compose.yml: Redis with AOF and noeviction; app and a separately scalable worker from the Dockerfile', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { command?: string[]; build?: string; ports?: string[] }>;
    };
    const { redis, app, worker } = compose.services;

    expect(redis?.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
    expect(app?.build).toBe('.');
    expect(worker?.build).toBe('.');
    expect(app?.command?.slice(-2)).toEqual(['--role', 'app']);
    expect(worker?.command?.slice(-2)).toEqual(['--role', 'worker']);
    expect(worker?.ports).toBeUndefined();
    // /metrics and /readyz are not published: only the Slack port is.
    expect(app?.ports).toEqual(['3000:3000']);
  });

  it('Dockerfile: multi-stage, current LTS Node, production dependencies only, non-root', () => {
    const dockerfile = read('Dockerfile');

    expect(dockerfile.match(/^FROM node:24-bookworm-slim/gm)).toHaveLength(2);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/^USER node$/m);
    // Every role serves /healthz on METRICS_PORT; a worker alone has no PORT listener.
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*process\.env\.METRICS_PORT\+'\/healthz'/);
  });

  it('.env.example and the README name every variable the configuration reads', () => {
    const envExample = read('.env.example');
    const readme = read('README.md');

    for (const name of configVariables) {
      expect(envExample, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
      expect(readme, name).toContain(`\`${name}\``);
    }
  });
});
