import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.ts';
import { type AppHarness, approverId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { makeCsr } from '../support/csr.ts';
import { testCredentials } from '../support/secrets.ts';
import { testBotToken, testSigningSecret } from '../support/slack-payloads.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('logs', () => {
  it('redact a private key in a CAS answer, and a PEM inside any string of a logged object', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(l) } });
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpDEEPKEYBODY\n-----END RSA PRIVATE KEY-----';

    logger.info({ answer: { Cert: 'CERTBODY', Key: pem }, Key: pem }, 'certificate detail');
    logger.warn({ err: { message: `CAS said ${pem}`, cause: { detail: [pem] } } }, 'call failed');
    logger.error({ err: Object.assign(new Error(`refused ${pem}`), { code: 'CAS_ERROR' }) }, 'thrown');

    const all = lines.join('\n');
    expect(all).not.toContain('DEEPKEYBODY');
    expect(all).not.toContain('PRIVATE KEY');
    expect(all).toContain('CERTBODY');
    expect(lines).toHaveLength(3);
    // An Error keeps what an operator needs: its type, message (scrubbed) and code.
    expect(JSON.parse(lines[2] as string).err).toMatchObject({
      type: 'Error',
      message: 'refused [PEM redacted]',
      code: 'CAS_ERROR',
    });
  });

  it('redact tokens, secrets, security tokens, CSRs and private keys by field and inside messages', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(l) } });
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvSECRETKEYBODY\n-----END PRIVATE KEY-----';

    logger.info(
      {
        slack: { botToken: 'xoxb-1-secret', signingSecret: 'sig-secret' },
        cas: { accessKeySecret: 'ak-secret', securityToken: 'sts-secret' },
        req: { csrPem: 'CSRBODY', privateKey: pem },
      },
      'config loaded',
    );
    logger.warn({}, `pasted ${pem} and xoxb-2-inline-token`);

    const all = lines.join('\n');
    for (const secret of [
      'xoxb-1-secret',
      'sig-secret',
      'ak-secret',
      'sts-secret',
      'CSRBODY',
      'SECRETKEYBODY',
      'xoxb-2-inline-token',
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain('[redacted]');
    expect(all).toContain('[PEM redacted]');
  });

  it('carry the request ID on renewal lines and no secret anywhere through a whole renewal with a CSR', async () => {
    const order = buildOrder({
      domain: 'logs.example.com',
      renewScript: [{ type: 'domain_verify' }, { type: 'certificate' }],
    });
    h = await startAppHarness({ worker: {}, seed: { orders: [order] } });
    const csr = await makeCsr({ commonName: 'logs.example.com' });
    const card = await openCard(h, String(order.orderId), undefined, csr);
    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await h.slack.waitForCall((c) => /Renewal issued/.test(String(c.args.text)));
    await h.waitForLog((e) => e.msg === 'renewal issued');

    const entries = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const renewalLines = entries.filter((e) => /^renewal |^calling Renew/.test(String(e.msg)));
    const csrBody = csr.split('\n').slice(2, 4).join('');

    expect(renewalLines.map((e) => e.msg)).toEqual([
      'renewal requested',
      'renewal approved',
      'calling RenewCertificateOrderForPackageRequest',
      'renewal submitted',
      'renewal issued',
    ]);
    expect(renewalLines.every((e) => e.recordId === card.recordId)).toBe(true);
    const all = h.logs.join('\n');
    for (const secret of [
      testBotToken,
      testSigningSecret,
      testCredentials.accessKeySecret,
      csrBody,
      'PRIVATE KEY',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
