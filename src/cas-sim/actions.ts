import type { SimParams } from './params.ts';

/** One CAS action: its parameters in, the response body (without `RequestId`) out; throws a `SimError`. */
export type SimAction = (params: SimParams) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Action name → its handler, one table per API family. */
export type SimActionTable = Readonly<Record<string, SimAction>>;
