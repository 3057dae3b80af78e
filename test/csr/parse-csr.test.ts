import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCsr, restoreCsrPem } from '../../src/csr/parse-csr.ts';
import { x509 } from '../../src/x509.ts';
import { makeCsr } from '../support/csr.ts';

const flattened = (pem: string) => pem.replace(/\n/g, ' ');

describe('parseCsr', () => {
  it.each([
    ['ec-p256', 'ECDSA P-256'],
    ['ec-p384', 'ECDSA P-384'],
    ['rsa-2048', 'RSA 2048'],
  ] as const)('accepts a %s CSR and summarises it', async (key, described) => {
    const pem = await makeCsr({
      commonName: 'shop.example.com',
      sans: ['shop.example.com', 'www.shop.example.com'],
      key,
    });

    const parsed = await parseCsr(pem);

    expect(parsed.summary).toEqual({
      commonName: 'shop.example.com',
      sans: ['shop.example.com', 'www.shop.example.com'],
      key: described,
    });
    expect(parsed.pem).toBe(pem.trim());
  });

  it('restores a PEM whose line breaks arrived as spaces', async () => {
    const pem = await makeCsr({ commonName: 'api.example.com' });

    const parsed = await parseCsr(`  ${flattened(pem)}  `);

    expect(parsed.pem).toBe(pem.trim());
    expect(restoreCsrPem(flattened(pem))).toBe(pem.trim());
  });

  it('refuses an RSA key under 2048 bits', async () => {
    const pem = await makeCsr({ commonName: 'weak.example.com', key: 'rsa-1024' });

    await expect(parseCsr(pem)).rejects.toMatchObject({
      code: 'CSR_INVALID',
      message: expect.stringContaining('1024 bits'),
    });
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const pem = await makeCsr({ commonName: 'a.example.com' });
    const der = Buffer.from(pem.split('\n').slice(1, -1).join(''), 'base64');
    // Same length and structure, other CN bytes: the self-signature no longer matches.
    const tampered = Buffer.from(der.toString('latin1').replace('a.example.com', 'c.example.com'), 'latin1');
    expect(tampered.equals(der)).toBe(false);
    const tamperedPem = x509.PemConverter.encode(tampered, 'CERTIFICATE REQUEST');

    await expect(parseCsr(tamperedPem)).rejects.toMatchObject({
      code: 'CSR_INVALID',
      message: expect.stringContaining('self-signature'),
    });
  });

  it('refuses a pasted private key without echoing it', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
    const pasted = `-----BEGIN PRIVATE KEY----- ${pkcs8} -----END PRIVATE KEY-----`;

    const error = (await parseCsr(pasted).catch((e: unknown) => e)) as Error;

    expect(error).toMatchObject({ code: 'CSR_INVALID', message: expect.stringContaining('private key') });
    expect(error.message).not.toContain(pkcs8.slice(10, 40));
  });

  it.each([
    [
      'a certificate',
      '-----BEGIN CERTIFICATE----- MIIB -----END CERTIFICATE-----',
      'certificate, not a certificate request',
    ],
    ['no PEM at all', 'hello world', 'No certificate request found'],
    [
      'truncated base64',
      '-----BEGIN CERTIFICATE REQUEST----- MIIBIjAN -----END CERTIFICATE REQUEST-----',
      'not valid',
    ],
    [
      'a huge paste',
      `-----BEGIN CERTIFICATE REQUEST----- ${'A'.repeat(20_000)} -----END CERTIFICATE REQUEST-----`,
      'too long',
    ],
  ])('refuses %s with a clear message', async (_label, text, message) => {
    await expect(parseCsr(text)).rejects.toMatchObject({
      code: 'CSR_INVALID',
      message: expect.stringContaining(message),
    });
  });
});
