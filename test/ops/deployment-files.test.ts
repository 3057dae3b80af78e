import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configVariables } from '../../src/config/config.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('deployment files', () => {
  it('docker-compose.yml: Redis with AOF and noeviction; app and a separately scalable worker from the Dockerfile', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { command?: string[]; build?: string; ports?: string[] }>;
    };
    const { redis, app, worker } = compose.services;

    expect(redis?.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
    expect(app?.build).toBe('.');
    expect(worker?.build).toBe('.');
    expect(app?.command).toEqual([
      'node',
      '--max-semi-space-size=4',
      '--heap-growing-percent=20',
      'dist/main.js',
      '--role',
      'app',
    ]);
    expect(worker?.command).toEqual([
      'node',
      '--max-semi-space-size=4',
      '--heap-growing-percent=20',
      'dist/main.js',
      '--role',
      'worker',
    ]);
    expect(worker?.command?.slice(-2)).toEqual(['--role', 'worker']);
    expect(worker?.ports).toBeUndefined();
    // /metrics and /readyz are not published: only the Slack port is.
    expect(app?.ports).toEqual(['3000:3000']);
    // The image binds them on every interface of the container (METRICS_HOST=0.0.0.0): nothing publishes them.
    expect(JSON.stringify(compose.services)).not.toContain('9464');
  });

  it('Dockerfile: multi-stage, current LTS Node, compiled, production dependencies only, non-root', () => {
    const dockerfile = read('Dockerfile');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

    expect(dockerfile.match(/^FROM node:24-bookworm-slim/gm)).toHaveLength(3);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toContain('RUN npm run build');
    // The running image carries no compiler or TypeScript loader: compiled JavaScript only.
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).not.toMatch(/tsx|src\/main\.ts|COPY src /);
    expect(runtime).toMatch(
      /^CMD \["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "dist\/main\.js"\]$/m,
    );
    expect(dockerfile).toMatch(/^USER node$/m);
    // Every role serves /healthz on METRICS_PORT; a worker alone has no PORT listener.
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*process\.env\.METRICS_PORT\+'\/healthz'/);
    // Reachable by a scraper on the Compose network; `npm start` keeps the default, 127.0.0.1.
    expect(runtime).toMatch(/^ENV .*METRICS_HOST=0\.0\.0\.0/m);
  });

  it('.env.example and the README name every variable the configuration reads', () => {
    const envExample = read('.env.example');
    const readme = read('README.md');

    for (const name of configVariables) {
      expect(envExample, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
      expect(readme, name).toContain(`\`${name}\``);
    }
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(read('package.json')) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('npm start builds, then runs compiled JavaScript without a TypeScript loader', () => {
    expect(pkg.scripts.prestart).toBe('npm run build');
    expect(pkg.scripts.start).toBe('node --max-semi-space-size=4 --heap-growing-percent=20 dist/main.js');
    expect(pkg.scripts.app).toBe(
      'node --max-semi-space-size=4 --heap-growing-percent=20 dist/main.js --role app',
    );
    expect(pkg.scripts.worker).toBe(
      'node --max-semi-space-size=4 --heap-growing-percent=20 dist/main.js --role worker',
    );
    // The production dependencies hold no compiler or loader.
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.dependencies)).not.toContain('typescript');
  });
});
