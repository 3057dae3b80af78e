import { z } from 'zod';

/** What the card shows of a CSR: never the PEM itself. */
export const CsrSummary = z.object({
  commonName: z.string(),
  sans: z.array(z.string()),
  key: z.string(),
});
export type CsrSummary = z.infer<typeof CsrSummary>;
