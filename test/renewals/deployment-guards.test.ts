import { describe, expect, it } from 'vitest';
import {
  allServingNew,
  canRecheckTls,
  canRollBack,
  type DeployResult,
  type TlsResult,
} from '../../src/renewals/deployment.ts';

const tls = (outcome: TlsResult['outcome'], resourceIds = ['601']): TlsResult => ({
  domain: 'shop.example.com',
  address: '127.0.0.1:443',
  outcome,
  resourceIds,
});

const result = (status: string, resourceId = '601'): DeployResult => ({
  resourceId,
  product: 'CDN',
  workerId: `9${resourceId}`,
  status,
});

describe('verified means every endpoint serves the new certificate', () => {
  it.each([
    ['no endpoint checked', [], false],
    ['not checked at all', undefined, false],
    ['one of two serving the new certificate', [tls('new'), tls('old')], false],
    ['one serving another certificate', [tls('new'), tls('other')], false],
    ['one unreachable (a wildcard has no host to dial)', [tls('new'), tls('unreachable')], false],
    ['every endpoint serving the new certificate', [tls('new'), tls('new')], true],
  ] as const)('%s', (_, results, expected) => {
    expect(allServingNew(results)).toBe(expected);
  });
});

describe('Roll back is offered only after the job, on a failed resource or one the check found wrong', () => {
  it.each([
    ['a failed resource, deployed', 'deployed', result('error'), [tls('old')], true],
    ['a rollback that ended rollback_error: again', 'deployed', result('rollback_error'), [], true],
    [
      'a deployed resource whose endpoint serves the old one',
      'deployed',
      result('success'),
      [tls('old')],
      true,
    ],
    [
      'a deployed resource unreachable after the job',
      'deployed',
      result('success'),
      [tls('unreachable')],
      true,
    ],
    [
      'a deployed resource whose endpoint serves the new one',
      'verified',
      result('success'),
      [tls('new')],
      false,
    ],
    [
      'a deployed resource: only another resource is wrong',
      'deployed',
      result('success'),
      [tls('new'), tls('old', ['602'])],
      false,
    ],
    ['a resource already rolled back', 'deployed', result('rollback_success'), [tls('old')], false],
    ['a failed resource while the job still runs', 'deploying', result('error'), undefined, false],
    ['a failed resource while another rolls back', 'rolling_back', result('error'), [tls('old')], false],
    ['a failed resource while the check runs', 'verifying', result('error'), undefined, false],
  ] as const)('%s', (_, state, r, tlsResults, expected) => {
    expect(canRollBack({ state, tlsResults }, r)).toBe(expected);
  });
});

describe('Check again is offered only after a check that did not find the new certificate everywhere', () => {
  it.each([
    ['deployed, an endpoint serving the old one', 'deployed', [tls('new'), tls('old')], true],
    ['deployed, an endpoint unreachable', 'deployed', [tls('unreachable')], true],
    ['deployed without a check (CERT_TLS_CHECK=off)', 'deployed', undefined, false],
    ['verified', 'verified', [tls('new')], false],
    ['deployed, every endpoint serving the new one (a rollback since)', 'deployed', [tls('new')], false],
    ['still verifying', 'verifying', [tls('old')], false],
    ['rolling back', 'rolling_back', [tls('old')], false],
  ] as const)('%s', (_, state, tlsResults, expected) => {
    expect(canRecheckTls({ state, tlsResults })).toBe(expected);
  });
});
