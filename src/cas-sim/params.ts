import { SimError } from './sim-error.ts';

/** A request's query parameters, by name. */
export type SimParams = Record<string, string>;

/** `OrderId`, refused when missing or not an int64 (as CAS does). */
export function requireOrderId(params: SimParams): string {
  const id = params.OrderId;
  if (id === undefined || id === '')
    throw new SimError(400, 'MissingOrderId', 'OrderId is mandatory for this action.');
  if (!/^[0-9]{1,19}$/.test(id) || BigInt(id) > 9223372036854775807n) {
    throw new SimError(400, 'InvalidParameter', 'The specified parameter OrderId is not valid.');
  }
  return id;
}

/** `InstanceId`, refused when missing. */
export function requireInstanceId(params: SimParams): string {
  const id = params.InstanceId;
  if (id === undefined || id === '')
    throw new SimError(400, 'MissingInstanceId', 'InstanceId is mandatory for this action.');
  return id;
}

/** `CurrentPage` (from 1) and `ShowSize` (1 to `maxShowSize`, else `defaultSize`), refused when out of range. */
export function paging(
  params: SimParams,
  maxShowSize: number,
  defaultSize = 20,
): { page: number; size: number } {
  const page = Number(params.CurrentPage ?? '1');
  const size = Number(params.ShowSize ?? String(defaultSize));
  if (!Number.isInteger(page) || page < 1)
    throw new SimError(400, 'InvalidParameter', 'The specified parameter CurrentPage is not valid.');
  if (!Number.isInteger(size) || size < 1 || size > maxShowSize)
    throw new SimError(400, 'InvalidParameter', 'The specified parameter ShowSize is not valid.');
  return { page, size };
}

/** A `Data[]`/`Total` page of `all`, as the deployment API lists. */
export function dataPage<T>(params: SimParams, all: readonly T[], maxShowSize: number) {
  const { page, size } = paging(params, maxShowSize);
  return {
    Total: all.length,
    CurrentPage: page,
    ShowSize: size,
    Data: all.slice((page - 1) * size, page * size),
  };
}
