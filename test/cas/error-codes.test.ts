import { describe, expect, it } from 'vitest';
import {
  CasApiError,
  CasNetworkError,
  CasResponseError,
  casReasonOf,
  classifyCasCode,
  errorCode,
  isInstanceApiRefusal,
  isPermissionRefusal,
  retryAfterMs,
} from '../../src/cas/errors.ts';
import { AppError } from '../../src/errors.ts';

function apiError(code: string, status = 400, retryAfter?: number) {
  return new CasApiError(
    'X',
    status,
    { code, message: 'm', requestId: undefined, hostId: undefined, recommend: undefined },
    retryAfter,
  );
}

describe('the CAS code table (reference §3, §7, §8)', () => {
  it.each([
    // §3: throttling, exact and as a family, and anywhere in the code as Alibaba's SDK has it
    ['Throttling', 'throttled', 'not_executed', true],
    ['Throttling.User', 'throttled', 'not_executed', true],
    ['Throttling.Api', 'throttled', 'not_executed', true],
    ['Throttling.Proxy', 'throttled', 'not_executed', true],
    ['Concurrent.Throttling', 'throttled', 'not_executed', true],
    ['SignatureNonceUsed', 'nonce_used', 'not_executed', true],
    // §3: CAS failing on its side: a paid call may have happened
    ['ServiceUnavailable', 'server_error', 'unknown', true],
    ['InternalError', 'server_error', 'unknown', true],
    // §3: the key, the signer, the clock
    ['SignatureDoesNotMatch', 'bad_credentials', 'rejected', false],
    ['InvalidAccessKeyId.NotFound', 'bad_credentials', 'rejected', false],
    ['InvalidAccessKeyId.Inactive', 'bad_credentials', 'rejected', false],
    ['InvalidSecurityToken.Expired', 'bad_credentials', 'rejected', false],
    ['IncompleteSignature', 'signer', 'rejected', false],
    ['InvalidSignatureMethod', 'signer', 'rejected', false],
    ['InvalidTimeStamp.Expired', 'clock', 'rejected', false],
    ['InvalidTimeStamp.Format', 'clock', 'rejected', false],
    // §3 and §7: refused for this resource or this key
    ['NotFound', 'not_found', 'rejected', false],
    ['InvalidInstanceId', 'unknown_instance', 'rejected', false],
    ['InvalidApi.NotFound', 'unknown_action', 'rejected', false],
    ['InvalidAction.NotFound', 'unknown_action', 'rejected', false],
    ['UnsupportedHTTPMethod', 'unknown_action', 'rejected', false],
    ['Forbidden', 'no_permission', 'rejected', false],
    ['Forbidden.RAM', 'no_permission', 'rejected', false],
    ['Forbidden.RiskControl', 'no_permission', 'rejected', false],
    ['NoPermission', 'no_permission', 'rejected', false],
    // §7.3: refused now, the apply step tries again later
    ['InvalidStatus.UpdateProtection', 'update_protection', 'rejected', false],
    // §8: listings by product
    ['MissingCloudProduct', 'product_required', 'rejected', false],
    ['MissingParameter.CloudProduct', 'product_required', 'rejected', false],
    ['InvalidParameter.CloudProduct', 'product_not_offered', 'rejected', false],
    ['NotSupported.CloudProduct', 'product_not_offered', 'rejected', false],
    // §3: any other Invalid<Name> / Missing<Name>
    ['InvalidParameter', 'bad_request', 'rejected', false],
    ['InvalidParameter.Csr', 'bad_request', 'rejected', false],
    ['InvalidStatus.Job', 'bad_request', 'rejected', false],
    ['MissingParameter', 'bad_request', 'rejected', false],
    ['MissingOrderId', 'bad_request', 'rejected', false],
    // not in the table: the HTTP status decides (400 here)
    ['DeployFailed.Cdn', 'unlisted', 'rejected', false],
    ['Http.404', 'unlisted', 'rejected', false],
  ])('%s: %s, %s, retryable %s', (code, reason, outcome, retryable) => {
    expect(casReasonOf(code)).toBe(reason);
    expect(classifyCasCode(code, 400)).toEqual({ reason, outcome, retryable });
  });

  it('a code not in the table answered with a 5xx may have happened; a refusal code stays a refusal', () => {
    expect(classifyCasCode('SomethingNew', 502)).toEqual({
      reason: 'unlisted',
      outcome: 'unknown',
      retryable: true,
    });
    expect(classifyCasCode('InvalidParameter', 500)).toMatchObject({ outcome: 'rejected', retryable: false });
    expect(classifyCasCode('Forbidden.RAM', 503)).toMatchObject({ outcome: 'rejected', retryable: false });
  });

  it('an answer with x-acs-retry-after is throttling whatever its code', () => {
    expect(classifyCasCode('InvalidParameter', 400, 2000)).toEqual({
      reason: 'throttled',
      outcome: 'not_executed',
      retryable: true,
    });
    expect(retryAfterMs(apiError('Throttling.User', 400, 2000))).toBe(2000);
    expect(retryAfterMs(new AppError('CAS_NOT_SENT', 'x'))).toBeUndefined();
  });

  it('a code is matched by its family prefix, not by a substring elsewhere', () => {
    expect(casReasonOf('XNotFound')).toBe('unlisted');
    expect(casReasonOf('NotFoundAnywhere')).toBe('not_found');
    expect(casReasonOf('ForbiddenX')).toBe('no_permission');
  });
});

describe('the groups the steps act on', () => {
  it.each([
    ['NotFound', true, false],
    ['InvalidInstanceId', true, false],
    ['InvalidAction.NotFound', true, false],
    ['Forbidden.RAM', true, true],
    ['NoPermission', true, true],
    ['InvalidAccessKeyId.NotFound', false, true],
    ['InvalidSecurityToken.Mismatch', false, true],
    ['SignatureDoesNotMatch', false, true],
    ['InvalidParameter', false, false],
    ['Throttling.User', false, false],
  ])('%s: instance API refused %s, permission refused %s', (code, instance, permission) => {
    expect(isInstanceApiRefusal(apiError(code))).toBe(instance);
    expect(isPermissionRefusal(apiError(code))).toBe(permission);
  });

  it('only CAS answers belong to a group', () => {
    expect(isInstanceApiRefusal(new CasResponseError('X', 'not JSON'))).toBe(false);
    expect(isPermissionRefusal(new AppError('CREDENTIALS_INVALID', 'x'))).toBe(false);
  });
});

describe('errorCode: the code of any error', () => {
  it.each([
    ['a CAS answer: its own code', apiError('Throttling.User'), 'Throttling.User'],
    ['the network: the bot code', new CasNetworkError('X', false, 'refused', undefined), 'CAS_NOT_SENT'],
    ['an unreadable answer', new CasResponseError('X', 'not JSON'), 'CAS_BAD_RESPONSE'],
    ['another bot error', new AppError('REDIS_NOT_DURABLE', 'x'), 'REDIS_NOT_DURABLE'],
    ['anything else: the fallback', new Error('Connection is closed.'), 'error'],
  ])('%s', (_label, err, code) => {
    expect(errorCode(err)).toBe(code);
  });

  it('takes the fallback a caller names', () => {
    expect(errorCode('not an error', 'unparsable')).toBe('unparsable');
  });
});
