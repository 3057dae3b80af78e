import { describe, expect, it } from 'vitest';
import { parseCertCommand } from '../../src/slack/command-parser.ts';

describe('parseCertCommand', () => {
  it.each([
    ['renew 123456789', { kind: 'renew', orderId: '123456789', csrText: undefined }],
    ['  RENEW   9223372036854775807 ', { kind: 'renew', orderId: '9223372036854775807', csrText: undefined }],
    [
      'renew 1 -----BEGIN CERTIFICATE REQUEST----- MII -----END CERTIFICATE REQUEST-----',
      {
        kind: 'renew',
        orderId: '1',
        csrText: '-----BEGIN CERTIFICATE REQUEST----- MII -----END CERTIFICATE REQUEST-----',
      },
    ],
    ['status 42', { kind: 'status', orderId: '42' }],
    [
      'renew cas-ivauto-fe7kv4-15650439-renew',
      { kind: 'renew', orderId: 'cas-ivauto-fe7kv4-15650439-renew', csrText: undefined },
    ],
    [
      'renew cas_dv-cn-123 -----BEGIN CERTIFICATE REQUEST-----',
      { kind: 'renew', orderId: 'cas_dv-cn-123', csrText: '-----BEGIN CERTIFICATE REQUEST-----' },
    ],
    ['status cas_dv-cn-123', { kind: 'instance_status', instanceId: 'cas_dv-cn-123' }],
    [
      'status cas_dv-cn-123 more',
      { kind: 'invalid', message: '`/cert status` takes only an order or instance ID.' },
    ],
    ['renew cas-<!channel>', { kind: 'invalid', message: expect.stringContaining('digits 0-9 only') }],
    ['list', { kind: 'list' }],
    ['scan', { kind: 'scan' }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
  ])('%j', (text, expected) => {
    expect(parseCertCommand(text)).toEqual(expected);
  });

  it.each([
    ['renew', 'an order ID is missing'],
    ['renew abc', 'digits 0-9 only'],
    ['renew 12.5', 'digits 0-9 only'],
    ['renew -5', 'digits 0-9 only'],
    ['renew １２３', 'digits 0-9 only'],
    ['renew ١٢٣', 'digits 0-9 only'],
    ['renew 9223372036854775808', 'too large'],
    ['renew 12345678901234567890', 'too large'],
    ['status', 'an order ID is missing'],
    ['status 1 2', 'takes only an order ID'],
    ['list now', 'takes no arguments'],
    ['frobnicate 1', 'Unknown sub-command'],
    ['renew 1 -----BEGIN RSA PRIVATE KEY----- abc', 'private key'],
  ])('%j is invalid: %s', (text, message) => {
    const parsed = parseCertCommand(text);

    expect(parsed).toMatchObject({ kind: 'invalid', message: expect.stringContaining(message) });
  });

  it('never echoes what it could not parse', () => {
    const parsed = parseCertCommand('renew xoxb-leaked-token-value');

    expect(JSON.stringify(parsed)).not.toContain('leaked');
  });
});
