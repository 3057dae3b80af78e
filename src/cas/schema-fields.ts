/** Field types shared by the CAS response schemas of every API family. */
import { z } from 'zod';

/** An int64 ID as exact decimal digits (see int64-json.ts); numbers below 2^53 are accepted and kept exact. */
export const Int64Id = z
  .union([z.string(), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform(String)
  .pipe(z.string().regex(/^[0-9]{1,19}$/, 'must be 1-19 decimal digits'));

/** Optional fields may come as JSON `null` from the real service (the SDK's models allow it): read as absent. */
export const absentIfNull = <T extends z.ZodType>(schema: T) =>
  z
    .union([schema, z.null()])
    .optional()
    .transform((v) => (v === null ? undefined : v) as z.output<T> | undefined);
export const optionalText = absentIfNull(z.string());
export const epochMs = z.number().int().nonnegative();
export const optionalEpochMs = absentIfNull(epochMs);
export const optionalId = absentIfNull(Int64Id);

/** An ID that may come as a string, a number, null or empty: text, or absent. */
export const looseIdText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : String(v)));

/** A count that may be absent. */
export const optionalCount = absentIfNull(z.number().int().nonnegative());
/** Deployment times are strings of epoch ms in responses. */
export const msString = absentIfNull(z.union([z.string(), z.number()]).transform(Number));
/** A resource field that may be a number or a string (IDs of products, ports). */
export const looseText = absentIfNull(z.union([z.string(), z.number()]).transform(String));

/** A call that returns only its `RequestId` (UpdateInstance, ApplyCertificate, UpdateDeploymentJobStatus, UpdateWorkerResourceStatus). */
export const RequestIdOnly = z.object({ RequestId: z.string() });

/** The paged lists of the deployment API: `Data[]` and `Total` (not TotalCount). */
export const dataPage = <T extends z.ZodType>(item: T) =>
  z.object({
    RequestId: z.string(),
    Total: optionalCount,
    CurrentPage: optionalCount,
    ShowSize: optionalCount,
    Data: absentIfNull(z.array(item)).transform((v) => v ?? []),
  });

/** Optional text fields by name: a schema's run of plain text fields, as a table. */
export function optionalTexts<const K extends string>(...names: K[]): { [N in K]: typeof optionalText } {
  return Object.fromEntries(names.map((name) => [name, optionalText])) as { [N in K]: typeof optionalText };
}

/** A list field that may be absent or null: read as empty. */
export const listOf = <T extends z.ZodType>(row: T) => absentIfNull(z.array(row)).transform((v) => v ?? []);

/**
 * The paged lists that count with `TotalCount` (ListUserCertificateOrder, ListInstances, ListCertificates): the
 * rows under `key`, the counts read with `count` (ListUserCertificateOrder's paging needs them present).
 */
export const totalCountPage = <K extends string, T extends z.ZodType, C extends z.ZodType>(
  key: K,
  row: T,
  count: C,
) =>
  z.object({
    RequestId: z.string(),
    TotalCount: count,
    CurrentPage: count,
    ShowSize: count,
    ...({ [key]: listOf(row) } as Record<K, ReturnType<typeof listOf<T>>>),
  });
