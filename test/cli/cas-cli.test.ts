import { afterEach, describe, expect, it } from 'vitest';
import { type CliIo, runCasCli } from '../../src/cli/cas-cli.ts';
import { buildOrder, startCasSim, testContactId } from '../support/cas.ts';
import { makeCsr } from '../support/csr.ts';
import { testCredentials } from '../support/secrets.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function io(env: Record<string, string>, options: { answer?: string; files?: Record<string, string> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const value: CliIo = {
    env,
    homeDir: '/nonexistent-home',
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    ask:
      options.answer === undefined
        ? undefined
        : async (q) => {
            asked.push(q);
            return options.answer as string;
          },
    readFile: async (path) => {
      const text = options.files?.[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  };
  return { value, out: () => out.join(''), err: () => err.join(''), asked };
}

function simEnv(url: string) {
  return {
    CAS_ENDPOINT: url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: testCredentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: testCredentials.accessKeySecret,
  };
}

describe('npm run cas', () => {
  it('state prints the order state as JSON', async () => {
    const order = buildOrder({ script: [{ type: 'domain_verify', validation: 'DNS' }] });
    harness = await startCasSim({ orders: [order] });
    const cli = io(simEnv(harness.url));

    const code = await runCasCli(['state', String(order.orderId)], cli.value);

    expect(code).toBe(0);
    expect(JSON.parse(cli.out())).toMatchObject({
      type: 'domain_verify',
      validation: { kind: 'DNS', recordType: 'TXT' },
    });
  });

  it('list --status prints every matching order across pages', async () => {
    const orders = Array.from({ length: 55 }, () => buildOrder());
    harness = await startCasSim({ orders: [...orders, buildOrder({ status: 'ISSUED' })] });
    const cli = io(simEnv(harness.url));

    const code = await runCasCli(['list', '--status', 'WILLEXPIRED'], cli.value);

    expect(code).toBe(0);
    expect((JSON.parse(cli.out()) as Array<{ OrderId: string }>).map((o) => o.OrderId)).toEqual(
      orders.map((o) => String(o.orderId)),
    );
  });

  it('renew asks first and does nothing on no', async () => {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    const cli = io(simEnv(harness.url), { answer: 'n' });

    const code = await runCasCli(['renew', String(order.orderId)], cli.value);

    expect(code).toBe(1);
    expect(cli.asked[0]).toContain(`Renew order ${order.orderId}`);
    expect(harness.sim.calls).toHaveLength(0);
  });

  it('renew refuses without --yes when there is no terminal to ask', async () => {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    const cli = io(simEnv(harness.url));

    const code = await runCasCli(['renew', String(order.orderId)], cli.value);

    expect(code).toBe(2);
    expect(cli.err()).toContain('--yes');
    expect(harness.sim.calls).toHaveLength(0);
  });

  it('renew --csr FILE --yes sends the CSR and prints the new order', async () => {
    const order = buildOrder({ domain: 'cli.example.com' });
    harness = await startCasSim({ orders: [order] });
    const csr = await makeCsr({ commonName: 'cli.example.com' });
    const cli = io(simEnv(harness.url), { files: { '/tmp/req.csr': csr } });

    const code = await runCasCli(
      ['renew', String(order.orderId), '--csr', '/tmp/req.csr', '--yes'],
      cli.value,
    );

    expect(code).toBe(0);
    const printed = JSON.parse(cli.out()) as { newOrderId: string };
    expect(harness.sim.store.get(printed.newOrderId)?.csr).toBe(csr);
  });

  it.each([
    [['state'], /order ID of 1-19 digits/],
    [['state', '12x'], /order ID of 1-19 digits/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [[], /Usage: npm run cas/],
    [['list', '--bogus'], /Unknown option '--bogus'/],
  ])('%j is a usage error', async (argv, message) => {
    const cli = io({});

    const code = await runCasCli(argv, cli.value);

    expect(code).toBe(2);
    expect(cli.err()).toMatch(message);
  });

  it('says where it looked for credentials when there are none', async () => {
    const cli = io({ CAS_ENDPOINT: 'http://127.0.0.1:9' });

    const code = await runCasCli(['state', '1'], cli.value);

    expect(code).toBe(1);
    expect(cli.err()).toContain('error (CREDENTIALS_MISSING): No Alibaba Cloud credentials found');
    expect(cli.err()).toContain('/nonexistent-home/.aliyun/config.json: not found');
  });

  it('names a bad variable', async () => {
    const cli = io({ CAS_ENDPOINT: 'nope', ALIBABA_CLOUD_ACCESS_KEY_ID: 'only-id' });

    const code = await runCasCli(['state', '1'], cli.value);

    expect(code).toBe(1);
    expect(cli.err()).toContain('CAS_ENDPOINT must be a URL');
    expect(cli.err()).toContain(
      'ALIBABA_CLOUD_ACCESS_KEY_SECRET is required when its partner variable is set',
    );
  });
});

describe('npm run cas: the application of a pending order', () => {
  async function renewedOrder() {
    const order = buildOrder({ domain: 'cli-apply.example.com' });
    harness = await startCasSim({ orders: [order] });
    const { newOrderId } = await harness
      .client()
      .renewCertificateOrderForPackageRequest({ orderId: String(order.orderId) });
    return { newOrderId, instanceId: harness.sim.store.get(newOrderId)?.instanceId as string };
  }

  it('contacts lists the IDs CERT_CAS_CONTACT_IDS takes', async () => {
    harness = await startCasSim();
    const cli = io(simEnv(harness.url));

    expect(await runCasCli(['contacts'], cli.value)).toBe(0);
    expect(JSON.parse(cli.out())).toEqual([
      expect.objectContaining({ ContactId: testContactId, Name: 'Platform team' }),
    ]);
  });

  it('apply asks first, then submits once; instance shows the result', async () => {
    const { newOrderId, instanceId } = await renewedOrder();
    const env = simEnv((harness as Harness).url);
    const cli = io(env, { answer: 'y' });

    expect(await runCasCli(['apply', newOrderId, '--method', 'http'], cli.value)).toBe(0);
    const shown = io(env);
    expect(await runCasCli(['instance', instanceId], shown.value)).toBe(0);

    expect(cli.asked[0]).toContain(`Apply for order ${newOrderId} (instance ${instanceId})`);
    expect(cli.asked[0]).toContain('cli-apply.example.com, HTTP validation');
    expect(harness?.sim.applications(newOrderId)).toBe(1);
    expect(JSON.parse(shown.out())).toMatchObject({ Status: 'pending', ValidationMethod: 'HTTP' });
  });

  it('apply answered no, or again after it was applied: nothing submitted twice', async () => {
    const { newOrderId } = await renewedOrder();
    const env = simEnv((harness as Harness).url);

    expect(await runCasCli(['apply', newOrderId], io(env, { answer: 'n' }).value)).toBe(1);
    expect(harness?.sim.applications(newOrderId)).toBe(0);
    expect(await runCasCli(['apply', newOrderId, '--yes'], io(env).value)).toBe(0);
    const again = io(env);
    expect(await runCasCli(['apply', newOrderId, '--yes'], again.value)).toBe(1);

    expect(again.err()).toContain('is not listed as pending application');
    expect(harness?.sim.applications(newOrderId)).toBe(1);
  });

  it('bad arguments are named and nothing is called', async () => {
    harness = await startCasSim();
    const env = simEnv(harness.url);
    const method = io(env);
    const contact = io(env);
    const instance = io(env);

    expect(await runCasCli(['apply', '123', '--method', 'FILE', '--yes'], method.value)).toBe(2);
    expect(await runCasCli(['apply', '123', '--contact', 'alice', '--yes'], contact.value)).toBe(2);
    expect(await runCasCli(['instance', 'bad id!'], instance.value)).toBe(2);

    expect(method.err()).toContain('--method must be DNS or HTTP');
    expect(contact.err()).toContain('--contact takes numeric CAS contact IDs');
    expect(instance.err()).toContain('instance needs an instance ID');
    expect(harness.sim.calls).toEqual([]);
  });
});
