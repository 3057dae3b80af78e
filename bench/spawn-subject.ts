import { type ChildProcess, spawn } from 'node:child_process';
import { productionNodeFlags } from './renewals.ts';

/** Starts `bench/subject.ts <mode>` in a child process and resolves with its port once it says READY. */
export async function spawnSubject(
  mode: 'bare' | 'app',
  env: Record<string, string>,
): Promise<{ url: string; metricsUrl: string | undefined; child: ChildProcess; stop(): Promise<void> }> {
  const profile =
    process.env.BENCH_CPU_PROFILE === mode ? ['--cpu-prof', '--cpu-prof-dir=bench-results/profiles'] : [];
  // The app with the flags `npm start` uses; the bare Bolt app with Node's defaults, as anyone would run it.
  const flags =
    mode === 'app' ? (process.env.BENCH_APP_FLAGS?.split(' ').filter(Boolean) ?? productionNodeFlags()) : [];
  const child = spawn(process.execPath, [...flags, ...profile, '--import', 'tsx', 'bench/subject.ts', mode], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [port, metricsPort] = await new Promise<[number, number | undefined]>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`subject ${mode} did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)(?: METRICS (\d+))?\n/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve([Number(match[1]), match[2] === undefined ? undefined : Number(match[2])]);
      }
    });
    child.once('exit', (code) => reject(new Error(`subject ${mode} exited with ${code}: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}/metrics`,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
