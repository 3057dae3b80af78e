// The payload builders live in src/dev so that the demo and the benchmark can use them too.
export * from '../../src/dev/slack-payloads.ts';
