/**
 * The one module with the test suite's keys and secrets. They are fake, and tests search logs and errors for them
 * to prove that nothing leaks.
 */
export const testCredentials = {
  accessKeyId: 'testAccessKeyId',
  accessKeySecret: 'testAccessKeySecret',
} as const;

/** STS credentials as the reference vectors use them. */
export const testStsCredentials = {
  accessKeyId: 'testAccessKeyId',
  accessKeySecret: 'testAccessKeySecret',
  securityToken: 'testSecurityToken',
} as const;

/** A secret unlike any other string, easy to search for in output. */
export const leakCanarySecret = 'sEcReT-canary-9f3b2c7d1e';
