import { createCertificateOperations, createInstanceOperations } from './instance-operations.ts';
import { createOrderBook } from './order-book.ts';
import { createOrderOperations } from './order-operations.ts';
import type { ScriptDeps } from './order-script.ts';
import { SimSeed } from './seed.ts';
import type { SimCa } from './sim-ca.ts';

/**
 * The simulator's orders, plan quotas, contacts and certificate instances, with the state machine behind the
 * order operations (renew, describe, list), the instance operations (GetInstanceDetail, UpdateInstance,
 * ApplyCertificate, ListContact) and the certificates cloud resources serve.
 */
export function createOrderStore(seedInput: SimSeed, deps: { now: () => number; ca: SimCa }) {
  const seed = SimSeed.parse(seedInput);
  const book = createOrderBook(seed, deps);
  const script: ScriptDeps = { now: deps.now, ca: deps.ca, newCertificateId: book.newCertificateId };
  return {
    orders: book.orders,
    packages: book.packages,
    contacts: book.contacts,
    add: book.add,
    newCertificateId: book.newCertificateId,
    get: (orderId: string) => book.orders.get(orderId),
    ...createOrderOperations({ book, seed, script }),
    ...createInstanceOperations({ book, seed, script }),
    ...createCertificateOperations(book, script),
  };
}

/** The order store's interface. */
export type OrderStore = ReturnType<typeof createOrderStore>;
