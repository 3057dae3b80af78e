import * as openapi from '@alicloud/openapi-core';
import * as dara from '@darabonba/typescript';
import { testCredentials } from './secrets.ts';

// The SDK on our registry (3.0.0) lacks the instance calls, so they are made with Alibaba's generic client, which
// signs exactly as the SDK does (ACS3-HMAC-SHA256, RPC style, parameters in the query string).
type OpenApiClient = typeof openapi.default.default;
const loaded = openapi.default as unknown as OpenApiClient | { default: OpenApiClient };
const Client: OpenApiClient = typeof loaded === 'function' ? loaded : loaded.default;

/** Calls CAS 2020-04-07 actions at `url` with Alibaba's generic client (`Client.callApi`); resolves to the body. */
export function genericClient(url: string) {
  const client = new Client(
    new openapi.$OpenApiUtil.Config({
      ...testCredentials,
      endpoint: new URL(url).host,
      protocol: 'http',
      readTimeout: 5000,
      connectTimeout: 5000,
    }),
  );
  return async (action: string, query: Record<string, unknown>) => {
    const params = new openapi.$OpenApiUtil.Params({
      action,
      version: '2020-04-07',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const request = new openapi.$OpenApiUtil.OpenApiRequest({ query: openapi.OpenApiUtil.query(query) });
    const answer = await client.callApi(params, request, new dara.RuntimeOptions({}));
    return answer.body as Record<string, unknown>;
  };
}
