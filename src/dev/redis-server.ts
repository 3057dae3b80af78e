// Development helpers (tests, demo, benchmark): never used by the running bot.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Whether a Redis answers PING at `url` within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A `redis-server` this process started; `stop()` kills it and removes its folder. */
export interface PrivateRedis {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` from PATH on a free loopback port, with AOF off unless asked, and waits until it is ready.
 * `dir` keeps its files (for restart tests that need the AOF to survive).
 */
export async function startRedisServer(
  options: {
    appendOnly?: boolean;
    /** fsync policy of the AOF. @defaultValue always */
    appendFsync?: 'always' | 'everysec' | 'no';
    dir?: string;
    port?: number;
    /** `host:port` of a primary: the server starts as its replica. */
    replicaOf?: string;
  } = {},
): Promise<PrivateRedis> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'certbot-redis-'));
  const port = options.port ?? (await freePort());
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      options.appendOnly ? 'yes' : 'no',
      '--appendfsync',
      options.appendFsync ?? 'always',
      '--maxmemory-policy',
      'noeviction',
      ...(options.replicaOf ? ['--replicaof', ...options.replicaOf.split(':')] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const settle = (err?: Error) => {
      clearTimeout(timer);
      // Only this start-up wait's own listeners go: a later `stop()` waits on 'exit' too, and a replica keeps
      // logging (its primary gone) after it is ready.
      child.off('error', onError);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => settle(new Error(`redis-server did not start in 10 s:\n${output}`)),
      10_000,
    );
    const onError = (err: Error) => settle(err);
    const onExit = (code: number | null) => settle(new Error(`redis-server exited with ${code}:\n${output}`));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) settle();
    };
    child.once('error', onError);
    child.once('exit', onExit);
    child.stdout?.on('data', onData);
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether `redis-server` is on this `PATH` (the caller's environment, passed in). */
export function hasRedisServerBinary(path: string | undefined): boolean {
  return (
    spawnSync('redis-server', ['--version'], { stdio: 'ignore', env: { PATH: path ?? '' } }).status === 0
  );
}

/**
 * Finds the Redis for the test run, in DESIGN.md's order: `REDIS_URL`, else 127.0.0.1:6379, else a private
 * `redis-server` from PATH on a free port. With none, throws one line saying how to get one.
 */
export async function findOrStartRedis(
  env: Readonly<Record<string, string | undefined>>,
  /** Where a local Redis is looked for. @defaultValue redis://127.0.0.1:6379 */
  local = 'redis://127.0.0.1:6379',
): Promise<{ url: string; stop?: () => Promise<void> }> {
  const fromEnv = env.REDIS_URL?.trim();
  if (fromEnv) {
    if (await redisAnswers(fromEnv)) return { url: fromEnv };
    throw new Error(
      `REDIS_URL is set but no Redis answers there; unset it to let the tests find or start one.`,
    );
  }
  if (await redisAnswers(local)) return { url: local };
  if (hasRedisServerBinary(env.PATH)) {
    const server = await startRedisServer();
    return { url: server.url, stop: server.stop };
  }
  throw new Error(
    'No Redis for the tests: set REDIS_URL, run Redis on 127.0.0.1:6379, or install redis-server (Debian: apt-get install redis-server).',
  );
}
