import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const srcRoot = resolve('src');

/** The top-level folder of src/ a file belongs to (a file directly in src/ is a node of its own). */
const folderOf = (file: string) => relative(srcRoot, file).split(sep)[0] ?? file;

/**
 * The folder import graph of src/: an edge from each folder to every other one a file of it imports (static
 * imports, re-exports and dynamic `import()` of relative paths), with one file that does so, for the report.
 */
function folderGraph(files: readonly string[] = sources(srcRoot)): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const [, path] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), path ?? ''));
      if (to !== from && !edges.has(to)) edges.set(to, relative(srcRoot, file));
    }
  }
  return graph;
}

/** A cycle of the graph as `a -> b (file) -> … -> a`, or undefined when it has none (depth-first search). */
function findCycle(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) {
      const cycle = [...path.slice(at), node];
      return cycle.map((n, i) => (i === 0 ? n : `${n} (${graph.get(cycle[i - 1] ?? '')?.get(n)})`));
    }
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

describe('layering', () => {
  it.each(['src/renewals', 'src/cas', 'src/worker', 'src/alerts', 'src/config', 'src/csr'])(
    '%s returns data: it imports nothing from Slack and writes no mrkdwn',
    (dir) => {
      const offenders = sources(dir).filter((file) => {
        const text = readFileSync(file, 'utf8');
        return (
          /(?:from|import)\s*\(?\s*'(@slack\/[^']+|[^']*\/slack\/[^']+)'/.test(text) ||
          /chat\.(postMessage|update)/.test(text)
        );
      });

      expect(offenders).toEqual([]);
    },
  );

  it('no folder of src/ imports, directly or through others, a folder that imports it (no folder cycle)', () => {
    const graph = folderGraph();

    expect(findCycle(graph) ?? []).toEqual([]);
    expect(graph.get('alerts')?.has('slack')).toBe(false);
  });

  it('finds a cycle when there is one, and names the files that close it', () => {
    const graph = new Map([
      ['a', new Map([['b', 'a/x.ts']])],
      ['b', new Map([['c', 'b/y.ts']])],
      ['c', new Map([['a', 'c/z.ts']])],
      ['d', new Map([['a', 'd/w.ts']])],
    ]);

    expect(findCycle(graph)).toEqual(['a', 'b (a/x.ts)', 'c (b/y.ts)', 'a (c/z.ts)']);
    expect(findCycle(new Map([['a', new Map([['b', 'a/x.ts']])]]))).toBeUndefined();
  });
});
