const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Refuses, before any request, an instance ID CAS could not have issued (and that would not sign safely). */
export function assertInstanceId(instanceId: string): void {
  if (!instanceIdPattern.test(instanceId)) {
    throw new TypeError(
      `instance ID must be 1-128 letters, digits, _ . : -, got ${JSON.stringify(instanceId.slice(0, 40))}`,
    );
  }
}

const orderIdPattern = /^[0-9]{1,19}$/;

/** Refuses, before any request, an order (or job, certificate, worker) ID that is not an int64 in decimal. */
export function assertOrderId(orderId: string): void {
  if (!orderIdPattern.test(orderId) || BigInt(orderId) > 9223372036854775807n) {
    throw new TypeError(
      `order ID must be 1-19 digits within int64, got ${JSON.stringify(orderId.slice(0, 40))}`,
    );
  }
}
