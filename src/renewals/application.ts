import { z } from 'zod';

/**
 * What the bot submits as the new order's application (UpdateInstance + ApplyCertificate), decided when the request
 * opens and shown on its card: the approver approves the renewal and this application together. The key is the
 * request's CSR when it has one (`GenerateCsrMethod=upload`), else CAS generates one with `keyAlgorithm`.
 */
export const ApplicationPlan = z.object({
  /** The domain(s) applied for (comma-separated), as the old order names them; a CSR's CN wins in CAS. */
  domain: z.string().optional(),
  /** `DNS` or `HTTP` (the instance API's names). */
  validationMethod: z.enum(['DNS', 'HTTP']),
  /** The key CAS generates when there is no CSR. */
  keyAlgorithm: z.string(),
  /** CAS contacts put on the application (at least one). */
  contactIds: z.array(z.string().regex(/^[0-9]{1,19}$/)).min(1),
  /** What the card shows of each contact (name; never the e-mail or the masked mobile). */
  contactNames: z.array(z.string()).optional(),
  /** CAS company, for OV/EV. */
  companyId: z.string().optional(),
});
export type ApplicationPlan = z.infer<typeof ApplicationPlan>;

/** How the bot applies (the `CERT_APPLY`, `CERT_CAS_CONTACT_IDS`, … settings). */
export interface ApplicationSettings {
  /** `auto`: the bot submits the application; `manual`: the thread says how to apply in the console. */
  mode: 'auto' | 'manual';
  /** Configured contacts; empty means the first of ListContact. */
  contactIds: readonly string[];
  validationMethod: 'DNS' | 'HTTP';
  keyAlgorithm: string;
  companyId: string | undefined;
}

/** The CAS console, where a person applies by hand (both sites). */
export const casConsoleUrls = {
  china: 'https://yundun.console.aliyun.com/?p=cas',
  international: 'https://yundun.console.alibabacloud.com/?p=cas',
} as const;

/** Why no application can be planned (rendered by the Slack layer). */
export type ApplicationProblem =
  /** No contact is configured and CAS has none: an application would fail. */
  | { code: 'no_contact' }
  /** Configured contact IDs that CAS does not know. */
  | { code: 'unknown_contacts'; contactIds: string[] }
  /** CAS could not list the contacts. */
  | { code: 'contacts_unavailable'; message: string };

/**
 * Decides what a new request will apply with: the configured settings, and the contacts (`CERT_CAS_CONTACT_IDS`,
 * else the first of ListContact, read at most once per `ttlMs`).
 */
export function createApplicationPlanner(deps: {
  settings: ApplicationSettings;
  listContacts: () => Promise<Array<{ ContactId: string; Name?: string | undefined }>>;
  ttlMs?: number;
  now?: () => number;
}) {
  const { settings } = deps;
  const ttlMs = deps.ttlMs ?? 5 * 60_000;
  const now = deps.now ?? Date.now;
  let cached:
    | { at: number; contacts: Promise<Array<{ ContactId: string; Name?: string | undefined }>> }
    | undefined;
  const contacts = () => {
    if (!cached || now() - cached.at > ttlMs) {
      const loading = deps.listContacts();
      cached = { at: now(), contacts: loading };
      // A failed read is not kept: the next request asks again.
      loading.catch(() => {
        if (cached?.contacts === loading) cached = undefined;
      });
    }
    return cached.contacts;
  };

  return {
    /** The plan for a request of `domain`, undefined when a person applies (`CERT_APPLY=manual`), or the problem. */
    async plan(
      domain: string | undefined,
    ): Promise<{ plan: ApplicationPlan | undefined } | { problem: ApplicationProblem }> {
      if (settings.mode === 'manual') return { plan: undefined };
      let known: Array<{ ContactId: string; Name?: string | undefined }>;
      try {
        known = await contacts();
      } catch (err) {
        return {
          problem: {
            code: 'contacts_unavailable',
            message: err instanceof Error ? err.message : String(err),
          },
        };
      }
      let chosen: Array<{ ContactId: string; Name?: string | undefined }>;
      if (settings.contactIds.length > 0) {
        const unknown = settings.contactIds.filter((id) => !known.some((c) => c.ContactId === id));
        if (unknown.length > 0) return { problem: { code: 'unknown_contacts', contactIds: unknown } };
        chosen = settings.contactIds.map((id) => known.find((c) => c.ContactId === id) ?? { ContactId: id });
      } else {
        const first = known[0];
        if (!first) return { problem: { code: 'no_contact' } };
        chosen = [first];
      }
      return {
        plan: {
          ...(domain ? { domain } : {}),
          validationMethod: settings.validationMethod,
          keyAlgorithm: settings.keyAlgorithm,
          contactIds: chosen.map((c) => c.ContactId),
          contactNames: chosen.map((c) => c.Name ?? ''),
          ...(settings.companyId ? { companyId: settings.companyId } : {}),
        },
      };
    },
  };
}

/** Plans applications for new requests. */
export type ApplicationPlanner = ReturnType<typeof createApplicationPlanner>;
