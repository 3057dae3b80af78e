import { CasApiError } from '../../cas/errors.ts';
import { isAppError } from '../../errors.ts';

/** An error as the thread may show it: CAS's code and message, our own error's message, never anything else. */
export function casErrorText(err: unknown): string {
  if (err instanceof CasApiError) return `${err.casCode}: ${err.casMessage}`;
  return isAppError(err) ? err.message : 'unexpected error';
}
