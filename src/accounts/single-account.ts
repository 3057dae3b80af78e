import type { CasClient } from '../cas/client.ts';
import type { AlertRoute } from '../config/alert-routes.ts';
import { type AccountCas, createAccountCas } from './account-cas.ts';
import { createAccountDirectory } from './account-directory.ts';

/**
 * The accounts of a deployment without an accounts file, around a CAS client already built (the roles' default
 * when the composition root gives them a client only, as tests do): one account, every channel, that client.
 */
export function singleAccountCas(
  cas: CasClient,
  settings: {
    cas: { endpoint: string };
    alerts: { channel: string | undefined; routes: readonly AlertRoute[] };
  },
): AccountCas {
  return createAccountCas({
    directory: createAccountDirectory(undefined, {
      endpoint: settings.cas.endpoint,
      alertChannel: settings.alerts.channel,
      alertRoutes: settings.alerts.routes,
    }),
    makeClient: () => cas,
    baseCredentials: () => {
      throw new Error('the given client signs itself');
    },
  });
}
