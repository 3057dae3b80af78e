import { type CasClientOptions, createCasClient } from '../../src/cas/client.ts';
import type { SeedOrder, SimSeed } from '../../src/cas-sim/seed.ts';
import { type CasSimulatorOptions, createCasSimulator } from '../../src/cas-sim/server.ts';
import { testCredentials, testStsCredentials } from './secrets.ts';

const dayMs = 24 * 60 * 60 * 1000;

let nextOrder = 800_000_000;

/** The CAS contact test accounts have. */
export const testContactId = '4242';

/** A seeded CAS order with sensible defaults: about to expire, in 10 days. */
export function buildOrder(overrides: Partial<SeedOrder> = {}): SeedOrder {
  nextOrder += 1;
  return {
    orderId: String(nextOrder),
    domain: `site${nextOrder}.example.com`,
    status: 'WILLEXPIRED',
    productCode: 'digicert-dv-1-plan',
    productName: 'DigiCert DV (plan)',
    certStartTime: Date.now() - 355 * dayMs,
    certEndTime: Date.now() + 10 * dayMs,
    ...overrides,
  };
}

/** Starts a simulator that knows the test keys (permanent and STS); close it in `afterEach`. */
export async function startCasSim(seed: SimSeed = {}, options: Omit<CasSimulatorOptions, 'seed'> = {}) {
  const sim = createCasSimulator({
    ...options,
    seed: {
      ...seed,
      accessKeys: [
        { ...testCredentials },
        {
          accessKeyId: 'testStsKeyId',
          accessKeySecret: testStsCredentials.accessKeySecret,
          securityToken: testStsCredentials.securityToken,
        },
        ...(seed.accessKeys ?? []),
      ],
      // An application needs a contact: the account has one unless a test says otherwise.
      contacts: seed.contacts ?? [{ contactId: testContactId, name: 'Platform team' }],
      packages: seed.packages ?? [{ productCode: 'digicert-dv-1-plan', totalCount: 10, usedCount: 2 }],
    },
  });
  const url = await sim.listen();
  return {
    sim,
    url,
    /** A client for this simulator; retries never wait (the delays are recorded instead). */
    client(overrides: Partial<CasClientOptions> = {}) {
      const delays: number[] = [];
      const client = createCasClient({
        endpoint: url,
        credentials: () => testCredentials,
        sleep: async (ms) => {
          delays.push(ms);
        },
        timeoutMs: 5_000,
        ...overrides,
      });
      return Object.assign(client, { delays });
    },
    close: () => sim.close(),
  };
}
