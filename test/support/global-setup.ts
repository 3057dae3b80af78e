import type { TestProject } from 'vitest/node';
import { findOrStartRedis } from './redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis every test file uses, each under its own key prefix. */
    redisUrl: string;
  }
}

/** Finds or starts the Redis for the whole run and hands its URL to the test files. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await findOrStartRedis(process.env);
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop?.();
  };
}
