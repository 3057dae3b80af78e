import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  canonicalRequest,
  sha256Hex,
  stringToSign,
} from '../../src/cas/signing/canonical.ts';
import { percentEncode } from '../../src/cas/signing/percent-encode.ts';
import { signV3, v3Signature } from '../../src/cas/signing/sign-v3.ts';
import { testCredentials, testStsCredentials } from '../support/secrets.ts';

const casDate = new Date('2024-01-02T03:04:05Z');
const casNonce = '0123456789abcdef0123456789abcdef';

function signatureOf(authorization: string | undefined): string | undefined {
  return authorization?.match(/Signature=([0-9a-f]{64})$/)?.[1];
}

describe('percentEncode', () => {
  it.each([
    ['a b', 'a%20b'],
    ['*', '%2A'],
    ["!'()", '%21%27%28%29'],
    ['A-Z_a.z~0', 'A-Z_a.z~0'],
    ['+/=', '%2B%2F%3D'],
    ['\n', '%0A'],
    ['é', '%C3%A9'],
  ])('encodes %j as %s', (input, expected) => {
    expect(percentEncode(input)).toBe(expected);
  });
});

describe('canonicalQuery', () => {
  it('sorts by name and encodes both sides', () => {
    const result = canonicalQuery([
      ['Status', 'WILLEXPIRED'],
      ['OrderType', 'CPACK'],
      ['CurrentPage', '1'],
      ['Key With Space', 'a*b'],
    ]);

    expect(result).toBe('CurrentPage=1&Key%20With%20Space=a%2Ab&OrderType=CPACK&Status=WILLEXPIRED');
  });

  it('is empty without parameters', () => {
    expect(canonicalQuery([])).toBe('');
  });
});

describe('official V3 vector (ECS RunInstances)', () => {
  const headers = {
    host: 'ecs.cn-shanghai.aliyuncs.com',
    'x-acs-action': 'RunInstances',
    'x-acs-version': '2014-05-26',
    'x-acs-date': '2023-10-26T10:22:32Z',
    'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
    'x-acs-content-sha256': sha256Hex(''),
  };
  const canonical = canonicalRequest({
    method: 'POST',
    pathname: '/',
    query: [
      ['ImageId', 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd'],
      ['RegionId', 'cn-shanghai'],
    ],
    headers,
    signedHeaders: Object.keys(headers).sort(),
    bodySha256: headers['x-acs-content-sha256'],
  });

  it('hashes the canonical request as published', () => {
    expect(sha256Hex(canonical)).toBe('7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
  });

  it('signs as published', () => {
    expect(v3Signature('YourAccessKeySecret', stringToSign(canonical))).toBe(
      '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });

  it('signs the page-table variant (other date and nonce) as the reference computes it', () => {
    const variant = {
      ...headers,
      'x-acs-date': '2023-10-26T09:01:01Z',
      'x-acs-signature-nonce': 'd410180a5abf7fe235dd9b74aca91fc0',
    };
    const variantCanonical = canonicalRequest({
      method: 'POST',
      pathname: '/',
      query: [
        ['ImageId', 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd'],
        ['RegionId', 'cn-shanghai'],
      ],
      headers: variant,
      signedHeaders: Object.keys(variant).sort(),
      bodySha256: variant['x-acs-content-sha256'],
    });

    expect(v3Signature('YourAccessKeySecret', stringToSign(variantCanonical))).toBe(
      'e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804',
    );
  });
});

describe('CAS vectors', () => {
  const csr = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB+a/b=\n-----END CERTIFICATE REQUEST-----';

  it.each([
    [
      'DescribeCertificateState',
      [['OrderId', '123451222']],
      '56f193c38322612dee121083013012973d7f56af9ee6c06bdf25cc6d1a51d9b2',
    ],
    [
      'RenewCertificateOrderForPackageRequest',
      [['OrderId', '123451222']],
      '0c44d1e9d471b6808e6b055422445f76083962a5af63b7d7ab091c5604c02c93',
    ],
    [
      'RenewCertificateOrderForPackageRequest',
      [
        ['OrderId', '123451222'],
        ['Csr', csr],
      ],
      'bf5733b148d8ba3ef015b331b141443d10a1db273dcbecdf54785d23503f4c74',
    ],
    [
      'ListUserCertificateOrder',
      [
        ['Status', 'WILLEXPIRED'],
        ['ShowSize', '50'],
        ['OrderType', 'CPACK'],
        ['CurrentPage', '1'],
      ],
      '60a28ff2552c3464949e026d3e7caae80aeb0f9fa751d39c9bb27cb9bc976783',
    ],
  ] as const)('%s %j', (action, query, expected) => {
    const headers = signV3({
      method: 'POST',
      host: 'cas.aliyuncs.com',
      action,
      version: '2020-04-07',
      query,
      credentials: testCredentials,
      date: casDate,
      nonce: casNonce,
    });

    expect(headers.authorization).toBe(
      `ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=${expected}`,
    );
  });

  it('hashes the DescribeCertificateState canonical request as the reference does', () => {
    const headers = signV3({
      method: 'POST',
      host: 'cas.aliyuncs.com',
      action: 'DescribeCertificateState',
      version: '2020-04-07',
      query: [['OrderId', '123451222']],
      credentials: testCredentials,
      date: casDate,
      nonce: casNonce,
    });
    const { authorization: _a, ...signed } = headers;
    const canonical = canonicalRequest({
      method: 'POST',
      pathname: '/',
      query: [['OrderId', '123451222']],
      headers: signed,
      signedHeaders: Object.keys(signed).sort(),
      bodySha256: sha256Hex(''),
    });

    expect(sha256Hex(canonical)).toBe('6062a616adf177d696e765ff6f9ca91e1d4b5f18776db367b529930ed5c05df9');
  });

  it('signs the STS token header and never puts the secret in a header', () => {
    const headers = signV3({
      method: 'POST',
      host: 'cas.aliyuncs.com',
      action: 'DescribeCertificateState',
      version: '2020-04-07',
      query: [['OrderId', '123451222']],
      credentials: testStsCredentials,
      date: casDate,
      nonce: casNonce,
    });

    expect(headers['x-acs-security-token']).toBe('testSecurityToken');
    expect(headers.authorization).toContain('x-acs-security-token');
    expect(JSON.stringify(headers)).not.toContain(testStsCredentials.accessKeySecret);
    expect(signatureOf(headers.authorization)).toMatch(/^[0-9a-f]{64}$/);
  });
});
