import { describe, expect, it } from 'vitest';
import { InstanceValidation } from '../../src/cas/instance-schemas.ts';
import { instanceValidation } from '../../src/worker/steps/poll.ts';

describe("an instance's validation record, as the thread shows it", () => {
  it.each([
    ['_dnsauth', 'TXT', '_dnsauth.example.com'],
    ['@', 'TXT', 'example.com'],
    ['_acme.www', 'CNAME', '_acme.www.example.com'],
    ['_dnsauth.example.com', 'TXT', '_dnsauth.example.com'],
  ])('key %s (%s) relative to RootDomain example.com: %s', (key, type, name) => {
    const shown = instanceValidation(
      InstanceValidation.parse({
        Domain: 'www.example.com',
        RootDomain: 'example.com',
        ValidationType: type,
        ValidationKey: key,
        ValidationValue: 'v4lue',
      }),
    );

    expect(shown).toEqual({ kind: 'DNS', recordDomain: name, recordType: type, recordValue: 'v4lue' });
  });

  it('an HTTP record is a file to serve', () => {
    const shown = instanceValidation(
      InstanceValidation.parse({
        Domain: 'www.example.com',
        RootDomain: 'example.com',
        ValidationType: 'HTTP',
        ValidationKey: '/.well-known/pki-validation/fileauth.txt',
        ValidationValue: 'v4lue',
      }),
    );

    expect(shown).toEqual({
      kind: 'FILE',
      domain: 'www.example.com',
      uri: '/.well-known/pki-validation/fileauth.txt',
      content: 'v4lue',
    });
  });
});
