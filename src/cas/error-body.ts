import { z } from 'zod';
import { CasApiError } from './errors.ts';
import { optionalText } from './schema-fields.ts';

/**
 * CAS's error body. Gateways spell the members `Code`/`Message` or `code`/`message` (Alibaba's SDK reads both);
 * either is accepted and read as the former.
 */
const CasErrorResponse = z
  .object({
    Code: optionalText,
    code: optionalText,
    Message: optionalText,
    message: optionalText,
    RequestId: optionalText,
    requestId: optionalText,
    HostId: optionalText,
    Recommend: optionalText,
  })
  .transform((b, ctx) => {
    const code = b.Code ?? b.code;
    if (code === undefined || code === '') {
      ctx.addIssue({ code: 'custom', message: 'no error code' });
      return z.NEVER;
    }
    return {
      Code: code,
      Message: b.Message ?? b.message ?? '',
      RequestId: b.RequestId ?? b.requestId,
      HostId: b.HostId,
      Recommend: b.Recommend,
    };
  });

/**
 * The error of a non-2xx answer: CAS's own code when the body is CAS's error shape, otherwise one derived from the
 * HTTP status (a proxy or load balancer answered). `x-acs-retry-after` (milliseconds) is kept as a retry hint.
 */
export function apiError(
  action: string,
  status: number,
  text: string,
  retryAfter: string | null,
): CasApiError {
  const retryAfterMs =
    retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : undefined;
  let parsed: ReturnType<typeof CasErrorResponse.safeParse> | undefined;
  try {
    parsed = CasErrorResponse.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (parsed?.success) {
    const b = parsed.data;
    return new CasApiError(
      action,
      status,
      { code: b.Code, message: b.Message, requestId: b.RequestId, hostId: b.HostId, recommend: b.Recommend },
      retryAfterMs,
    );
  }
  // Not CAS's error shape (a proxy or load balancer answered): classify by status alone.
  const code = status === 429 ? 'Throttling.Proxy' : status >= 500 ? 'ServiceUnavailable' : `Http.${status}`;
  return new CasApiError(
    action,
    status,
    {
      code,
      message: `HTTP ${status} without a CAS error body`,
      requestId: undefined,
      hostId: undefined,
      recommend: undefined,
    },
    retryAfterMs,
  );
}
