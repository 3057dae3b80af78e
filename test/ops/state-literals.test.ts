import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployStates } from '../../src/renewals/deployment-record.ts';
import { renewalStates } from '../../src/renewals/record.ts';

/**
 * The state machines' modules (a request's, a deployment's) decide everything about a state (issue 19): cards, services and steps ask it
 * (`can(record, move)`, its guards, a state's attributes) and never compare state names. This scans src/ outside
 * the module for code that does: a state literal compared with a `state`, a `case` of one in a switch over a
 * `state`, or an array or Set listing state names. Other words that happen to be state names (CAS `Type` values,
 * thread event types, job states) are compared with something else, and are not flagged.
 */
const moduleFiles = new Set([
  // The record schema enumerates the states (and a previous request's two).
  'src/renewals/record.ts',
  // The attributes of each state and its guards; the table of moves; the generic machinery.
  'src/renewals/renewal-states.ts',
  'src/renewals/transitions.ts',
  'src/renewals/state-machine.ts',
  // A deployment's: its record schema, the attributes of its states, its table of moves and guards.
  'src/renewals/deployment-record.ts',
  'src/renewals/deploy-transitions.ts',
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The text with comments blanked out (line breaks kept, so offsets still name the right line). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|(?<![:'"`\\])\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
}

const names = [...renewalStates, ...deployStates].join('|');
const literal = `'(?:${names})'`;
/** An expression naming a state: `state`, `record.state`, `r?.state` (never `casState`, `state.type`). */
const stateExpr = String.raw`[\w$.?]*\bstate\b(?!\s*\.)`;
const comparisons = [
  new RegExp(String.raw`${stateExpr}\s*[!=]==?\s*${literal}`, 'g'),
  new RegExp(String.raw`${literal}\s*[!=]==?\s*${stateExpr}`, 'g'),
];
/**
 * An array literal of string literals only, every one a state name (`new Set([...])` included); not an index
 * (`order['issued']`, `Order['issued']`).
 */
const stateList = new RegExp(
  String.raw`(?<![\w$)\]]\s*)\[\s*${literal}(?:\s*,\s*${literal})*\s*,?\s*\]`,
  'g',
);

/** The `case` labels naming a state inside each `switch` whose subject names a state. */
function stateCases(text: string): number[] {
  const found: number[] = [];
  for (const m of text.matchAll(/\bswitch\s*\(([^)]*)\)\s*\{/g)) {
    if (!new RegExp(stateExpr).test(m[1] ?? '')) continue;
    let depth = 0;
    let end = (m.index ?? 0) + m[0].length - 1;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      if (text[end] === '}' && --depth === 0) break;
    }
    const body = text.slice(m.index, end);
    for (const c of body.matchAll(new RegExp(String.raw`\bcase\s+${literal}\s*:`, 'g')))
      found.push((m.index ?? 0) + (c.index ?? 0));
  }
  return found;
}

/** Where a source compares or lists state names, as `file:line: code`. */
function stateLiterals(file: string, source: string): string[] {
  const text = withoutComments(source);
  const offsets = [
    ...comparisons.flatMap((re) => [...text.matchAll(re)].map((m) => m.index ?? 0)),
    ...[...text.matchAll(stateList)].map((m) => m.index ?? 0),
    ...stateCases(text),
  ];
  const lines = source.split('\n');
  return [...new Set(offsets)]
    .map((at) => text.slice(0, at).split('\n').length)
    .sort((a, b) => a - b)
    .map((line) => `${file}:${line}: ${lines[line - 1]?.trim()}`);
}

describe('state names outside the state machine', () => {
  it('are never compared or listed in src/: code asks the module (can, guards, attributes)', () => {
    const offenders = sources(resolve('src'))
      .map((f) => relative(resolve('.'), f).split('\\').join('/'))
      .filter((f) => !moduleFiles.has(f))
      .flatMap((f) => stateLiterals(f, readFileSync(f, 'utf8')));

    expect(offenders).toEqual([]);
  });

  it('finds a compared, switched or listed state, and names its file and line', () => {
    const planted = [
      'const a = 1;',
      "if (record.state === 'requested') go();",
      "if ('approved' !== r?.state) stop();",
      'switch (record.state) {',
      "  case 'verifying':",
      '    break;',
      '}',
      "const owned = new Set(['deploying', 'verifying']);",
      "if (!['requested'].includes(state)) no();",
    ].join('\n');

    expect(stateLiterals('src/x.ts', planted).map((o) => o.split(': ')[0])).toEqual([
      'src/x.ts:2',
      'src/x.ts:3',
      'src/x.ts:5',
      'src/x.ts:8',
      'src/x.ts:9',
    ]);
  });

  it('leaves the same words alone where they are not states: CAS types, event types, job states, text', () => {
    const elsewhere = [
      'switch (state.type) {',
      "  case 'payed':",
      '}',
      'switch (event.type) {',
      "  case 'issued':",
      '}',
      "if (record.casState !== 'payed') x();",
      "if (['missing', 'completed', 'failed', 'unknown'].includes(previous)) y();",
      "// if (record.state === 'requested') z();",
      "log('state approved');",
      "const issued = order['issued'] as NonNullable<SimOrder['issued']>;",
    ].join('\n');

    expect(stateLiterals('src/y.ts', elsewhere)).toEqual([]);
  });
});
