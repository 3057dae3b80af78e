export { startTlsEndpoints } from '../../src/dev/tls-endpoints.ts';
