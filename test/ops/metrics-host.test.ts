import { networkInterfaces } from 'node:os';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { startOpsServer } from '../../src/roles/observability.ts';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const minimal = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 's', CERT_APPROVERS: 'U012ABC' };

async function opsOn(host: string) {
  const server = await startOpsServer({
    host,
    port: 0,
    logger: silentLogger,
    now: Date.now,
    health: async () => true,
    ready: async () => true,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
  });
  servers.push(server);
  return server;
}

const statusOf = (host: string, port: number) =>
  request(`http://${host}:${port}/healthz`).then(
    async (res) => {
      await res.body.dump();
      return res.statusCode;
    },
    (err: { code?: string }) => err.code,
  );

/** An address of this machine that is not loopback, if it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a?.family === 'IPv4' && !a.internal)?.address;

describe('METRICS_HOST: where the operations listener binds', () => {
  it('defaults to 127.0.0.1; a bad value stops start-up naming the variable', () => {
    expect(loadConfig(minimal).metricsHost).toBe('127.0.0.1');
    expect(loadConfig({ ...minimal, METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
    expect(() => loadConfig({ ...minimal, METRICS_HOST: 'http://0.0.0.0' })).toThrow(
      /METRICS_HOST must be an IP address to listen on/,
    );
  });

  it('binds the address it is given, and answers there', async () => {
    const ops = await opsOn('127.0.0.1');

    expect(ops.address).toBe('127.0.0.1');
    expect(await statusOf('127.0.0.1', ops.port)).toBe(200);
  });

  it.runIf(outside)('on 127.0.0.1 it is not reachable from another interface; on 0.0.0.0 it is', async () => {
    const loopback = await opsOn('127.0.0.1');
    const every = await opsOn('0.0.0.0');

    expect(await statusOf(outside as string, loopback.port)).toBe('ECONNREFUSED');
    expect(await statusOf(outside as string, every.port)).toBe(200);
  });
});
