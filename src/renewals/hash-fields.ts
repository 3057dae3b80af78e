import { z } from 'zod';

// Field types of the records kept as Redis hashes (record.ts, deployment-record.ts): every value is a string there.

/** A number written as its decimal text; absent when the field is. */
export const optionalNumber = z.coerce.number().optional();

/** A value written as JSON text, checked against `schema` when read; absent when the field is. */
export const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((s) => JSON.parse(s) as unknown)
    .pipe(schema)
    .optional();
