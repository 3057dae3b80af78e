import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCasClientFromConfig } from '../../src/cas/from-config.ts';
import { loadCasConfig } from '../../src/config/config.ts';
import { startCasSim } from '../support/cas.ts';
import { testCredentials } from '../support/secrets.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  await harness?.close();
  proxy?.closeAllConnections();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  harness = undefined;
  proxy = undefined;
});

/** A forward proxy (CONNECT tunnels and absolute-form requests) that records each target it was asked for. */
async function startProxy(): Promise<{ url: string; targets: string[] }> {
  const targets: string[] = [];
  proxy = createServer((req, res) => {
    targets.push(`GET-STYLE ${req.url}`);
    const upstream = request(req.url ?? '', { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  proxy.on('connect', (req, socket, head) => {
    targets.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, targets };
}

function clientVia(env: Record<string, string>) {
  const config = loadCasConfig({
    ...env,
    ALIBABA_CLOUD_ACCESS_KEY_ID: testCredentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: testCredentials.accessKeySecret,
  });
  return createCasClientFromConfig(config, { env: {}, homeDir: '/nonexistent' });
}

describe('proxy variables', () => {
  it('sends CAS calls through HTTP_PROXY for an http endpoint', async () => {
    harness = await startCasSim();
    const p = await startProxy();
    const client = clientVia({ CAS_ENDPOINT: harness.url, HTTP_PROXY: p.url });

    await client.describePackageState();

    expect(p.targets).toHaveLength(1);
    expect(p.targets[0]).toContain(new URL(harness.url).host);
    expect(harness.sim.calls.map((c) => c.outcome)).toEqual([undefined]);
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    harness = await startCasSim();
    const p = await startProxy();
    const client = clientVia({ CAS_ENDPOINT: harness.url, HTTP_PROXY: p.url, NO_PROXY: '127.0.0.1' });

    await client.describePackageState();

    expect(p.targets).toEqual([]);
    expect(harness.sim.calls).toHaveLength(1);
  });
});
