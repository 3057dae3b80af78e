import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';

/** A role (app or worker) running in its own process (`node --import tsx src/main.ts --role <role>`). */
export interface WorkerProcess {
  /** The HTTP port it serves (`/slack/events` for the app; health and metrics for both). */
  port: number;
  child: ChildProcess;
  /** Every line it logged (JSON). */
  lines: string[];
  /** Resolves with the first log entry matching, or rejects after `timeoutMs`. */
  waitForLog(
    predicate: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGKILL: no shutdown handler runs, exactly like a crash. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a worker process with this environment and waits until it says it started. */
export function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  return spawnRole('worker', env);
}

/** Starts a role in its own process and waits until it says it started. */
export async function spawnRole(role: 'app' | 'worker', env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', role], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const events = new EventEmitter();
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      lines.push(line);
      if (line.startsWith('{')) events.emit('entry', JSON.parse(line));
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (predicate: (entry: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const past = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find(predicate);
    if (past) return Promise.resolve(past);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const onEntry = (entry: Record<string, unknown>) => {
        if (!predicate(entry)) return;
        clearTimeout(timer);
        events.off('entry', onEntry);
        resolve(entry);
      };
      const timer = setTimeout(() => {
        events.off('entry', onEntry);
        reject(
          new Error(
            `worker did not log a matching line within ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`,
          ),
        );
      }, timeoutMs);
      events.on('entry', onEntry);
    });
  };
  const started = await waitForLog((e) => e.msg === `${role} role started`);
  return {
    port: Number(started.port ?? 0),
    child,
    lines,
    waitForLog,
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
