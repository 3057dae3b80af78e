// The Redis finder lives in src/dev so that the demo and the benchmark can use it too.
export * from '../../src/dev/redis-server.ts';
