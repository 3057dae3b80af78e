// Every Redis key of the renewal store, in one place (the store, the deployment store and the migration use it).

/** The keys of the store under `prefix`. */
export function storeKeys(prefix: string) {
  return {
    record: (id: string) => `${prefix}:renewal:${id}`,
    outbox: (id: string) => `${prefix}:outbox:${id}`,
    outboxLock: (id: string) => `${prefix}:outbox-lock:${id}`,
    outboxIndex: () => `${prefix}:outbox-pending`,
    active: () => `${prefix}:active`,
    pending: () => `${prefix}:pending-approvals`,
    /** What comes due for undecided requests (request-due.ts): a sorted set by time. */
    due: () => `${prefix}:request-due`,
    open: (orderId: string) => `${prefix}:order-open:${orderId}`,
    latest: (orderId: string) => `${prefix}:order-latest:${orderId}`,
    audit: (id: string) => `${prefix}:audit:${id}`,
    card: (channel: string, ts: string) => `${prefix}:card:${channel}:${ts}`,
    newOrder: (newOrderId: string) => `${prefix}:new-order:${newOrderId}`,
    renewal: (orderId: string) => `${prefix}:order-renewal:${orderId}`,
    /** A request's deployment: its own record, keyed by the request's ID (deployment-store.ts). */
    deployment: (requestId: string) => `${prefix}:deployment:${requestId}`,
    deployActive: () => `${prefix}:deploy-active`,
  };
}
