import { type ChildProcess, spawn } from 'node:child_process';
import { productionNodeFlags } from './renewals.ts';

/**
 * Starts a benchmark subject in a process of its own and resolves with its URLs once it listens:
 * - `app`: the certbot app role exactly as `npm run app` runs it (compiled `dist/main.js --role app`, with the Node
 *   flags of `npm start`; `npm run bench` builds first), configured by `env`;
 * - `bare`: a bare Bolt app that only acks (`bench/bare-bolt.mjs`, plain JavaScript, Node's defaults).
 * BENCH_CPU_PROFILE=app|bare writes that subject's CPU profile to bench-results/profiles; BENCH_APP_FLAGS replaces
 * the app's Node flags; BENCH_SUBJECT_CPUS (e.g. `1`) pins both subjects to those CPUs with `taskset`, for
 * investigation (run the load itself with `taskset -c 0`).
 */
export async function spawnSubject(
  mode: 'bare' | 'app',
  env: Record<string, string>,
): Promise<{ url: string; metricsUrl: string | undefined; child: ChildProcess; stop(): Promise<void> }> {
  const profile =
    process.env.BENCH_CPU_PROFILE === mode ? ['--cpu-prof', '--cpu-prof-dir=bench-results/profiles'] : [];
  const args =
    mode === 'app'
      ? [
          ...(process.env.BENCH_APP_FLAGS?.split(' ').filter(Boolean) ?? productionNodeFlags()),
          ...profile,
          'dist/main.js',
          '--role',
          'app',
        ]
      : [...profile, 'bench/bare-bolt.mjs'];
  const cpus = process.env.BENCH_SUBJECT_CPUS;
  const child = spawn(
    cpus ? 'taskset' : process.execPath,
    cpus ? ['-c', cpus, process.execPath, ...args] : args,
    {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [port, metricsPort] = await new Promise<[number, number | undefined]>((resolve, reject) => {
    let out = '';
    let started = false;
    const timer = setTimeout(
      () => reject(new Error(`subject ${mode} did not start: ${out.slice(-2000)}`)),
      30_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      if (started) return; // the rest of its output (its log) is read and dropped
      out += chunk.toString();
      const match =
        /READY (\d+)\n/.exec(out) ??
        /"port":(\d+),"metricsPort":(\d+)[^\n]*"msg":"app role started"/.exec(out);
      if (match) {
        started = true;
        out = '';
        clearTimeout(timer);
        resolve([Number(match[1]), match[2] === undefined ? undefined : Number(match[2])]);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`subject ${mode} exited with ${code}: ${out.slice(-2000)}`)),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}/metrics`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
