import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsr } from '../../src/csr/parse-csr.ts';
import { parseCertCommand } from '../../src/slack/command-parser.ts';

const int64Max = 9223372036854775807n;
// Text with the characters that trip parsers: control characters, other scripts' digits, PEM markers, huge runs.
const hostileText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  // Control characters, Arabic-Indic and full-width digits: built from code points (a regex of them trips the linter).
  fc
    .array(
      fc.constantFrom(
        ...[0, 1, 8, 9, 10, 13, 27, 127, 0x660, 0x669, 0xff10, 0xff19, 0x20, 0x2d].map((c) =>
          String.fromCharCode(c),
        ),
      ),
      { maxLength: 60 },
    )
    .map((chars) => chars.join('')),
  fc
    .constantFrom(
      '-----BEGIN CERTIFICATE REQUEST-----',
      '-----END CERTIFICATE REQUEST-----',
      '-----BEGIN PRIVATE KEY-----',
      'MIIB',
      '\u0000',
      '١٢٣',
      '１２３',
    )
    .chain((s) => fc.array(fc.constant(s), { maxLength: 5 }).map((a) => a.join(' '))),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => 'A'.repeat(n)),
);

describe('command parser under random input', () => {
  it('never throws, and every accepted order ID is 1-19 ASCII digits within int64', () => {
    fc.assert(
      fc.property(fc.constantFrom('renew ', 'status ', '', 'list ', 'scan '), hostileText, (sub, rest) => {
        const parsed = parseCertCommand(`${sub}${rest}`);
        if (parsed.kind === 'renew' || parsed.kind === 'status') {
          expect(parsed.orderId).toMatch(/^[0-9]{1,19}$/);
          expect(BigInt(parsed.orderId) <= int64Max).toBe(true);
        }
        return true;
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts exactly the valid order IDs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: int64Max * 2n }), (n) => {
        const parsed = parseCertCommand(`renew ${n}`);
        expect(parsed.kind).toBe(n <= int64Max ? 'renew' : 'invalid');
      }),
      { numRuns: 1_000 },
    );
  });

  it('never echoes what it could not parse', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{11,40}$/), (secretish) => {
        const parsed = parseCertCommand(`renew ${secretish}`);
        expect(JSON.stringify(parsed)).not.toContain(secretish);
      }),
      { numRuns: 500 },
    );
  });
});

describe('CSR handling under random input', () => {
  it('refuses anything that is not a real CSR with CSR_INVALID, never another error, never echoing input', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        const error = await parseCsr(text).then(
          () => undefined,
          (e: unknown) => e as { code?: string; message: string },
        );
        expect(error?.code).toBe('CSR_INVALID');
        // The guidance quotes the PEM markers itself; any other input of some length must not come back.
        const quoted = ['-----BEGIN CERTIFICATE REQUEST-----', '-----END CERTIFICATE REQUEST-----'].some(
          (m) => m.includes(text.trim()),
        );
        if (text.trim().length > 12 && !quoted) expect(error?.message).not.toContain(text.trim());
      }),
      { numRuns: 300 },
    );
  });

  it('refuses PEM look-alikes: right markers around random base64', async () => {
    await fc.assert(
      fc.asyncProperty(fc.base64String({ minLength: 4, maxLength: 2_000 }), async (body) => {
        const text = `-----BEGIN CERTIFICATE REQUEST----- ${body} -----END CERTIFICATE REQUEST-----`;
        await expect(parseCsr(text)).rejects.toMatchObject({ code: 'CSR_INVALID' });
      }),
      { numRuns: 300 },
    );
  });
});
