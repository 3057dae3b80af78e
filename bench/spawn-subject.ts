import { type ChildProcess, spawn } from 'node:child_process';

/** Starts `bench/subject.ts <mode>` in a child process and resolves with its port once it says READY. */
export async function spawnSubject(
  mode: 'bare' | 'app',
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const profile =
    process.env.BENCH_CPU_PROFILE === mode ? ['--cpu-prof', '--cpu-prof-dir=bench-results/profiles'] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/subject.ts', mode], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`subject ${mode} did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`subject ${mode} exited with ${code}: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
