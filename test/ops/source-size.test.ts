import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  fileLines,
  functionSizes,
  maxFileLines,
  maxFunctionLines,
  sourceFiles,
} from '../support/source-size.ts';

/** The known offenders (file or function → lines): each may only shrink, and goes once within the limit. */
const known = JSON.parse(readFileSync('test/ops/source-size-known.json', 'utf8')) as {
  files: Record<string, number>;
  functions: Record<string, number>;
};

/** What is over a limit now, in the shape of source-size-known.json. */
function currentOffenders(): { files: Record<string, number>; functions: Record<string, number> } {
  const files: Record<string, number> = {};
  const functions: Record<string, number> = {};
  for (const file of sourceFiles('src')) {
    const text = readFileSync(file, 'utf8');
    const lines = fileLines(text);
    if (lines > maxFileLines) files[file] = lines;
    for (const fn of functionSizes(file, text)) {
      if (fn.lines > maxFunctionLines) functions[fn.name] = fn.lines;
    }
  }
  return { files, functions };
}

/** Why each entry of `now` breaks the ratchet: new over the limit, grown past its size, or listed but fixed. */
function ratchetBreaks(
  kind: string,
  limit: number,
  now: Record<string, number>,
  listed: Record<string, number>,
): string[] {
  const breaks: string[] = [];
  for (const [name, lines] of Object.entries(now)) {
    const recorded = listed[name];
    if (recorded === undefined)
      breaks.push(`${kind} ${name}: ${lines} lines, over ${limit} and not a known one`);
    else if (lines > recorded)
      breaks.push(`${kind} ${name}: ${lines} lines, grew past its recorded ${recorded}`);
  }
  for (const [name, recorded] of Object.entries(listed)) {
    if (now[name] === undefined)
      breaks.push(`${kind} ${name}: listed at ${recorded}, now within ${limit}: remove it`);
  }
  return breaks;
}

describe('source size', () => {
  it(`no file in src/ over ${maxFileLines} lines, no function over ${maxFunctionLines} (known offenders may only shrink)`, () => {
    const now = currentOffenders();
    const breaks = [
      ...ratchetBreaks('file', maxFileLines, now.files, known.files),
      ...ratchetBreaks('function', maxFunctionLines, now.functions, known.functions),
    ];
    if (breaks.length > 0) {
      console.log(
        `Offenders now (test/ops/source-size-known.json, once each is within its recorded size):\n${JSON.stringify(now, null, 2)}`,
      );
    }

    expect(breaks).toEqual([]);
  });

  it('counts a 301-line file as over the limit, and 300 lines (with a final newline) as within', () => {
    expect(fileLines('x\n'.repeat(301))).toBe(301);
    expect(fileLines('x\n'.repeat(300))).toBe(maxFileLines);
  });

  it('measures a function, an arrow function and a method by their own lines, nested functions apart', () => {
    const body = (n: number) => '  work();\n'.repeat(n);
    const text = [
      `export function outer() {\n${body(10)}  const inner = () => {\n${body(59)}  };\n}`,
      `const arrow = async () => {\n${body(59)}};`,
      `class C {\n  method() {\n${body(60)}  }\n}`,
      `items.map((x) => {\n${body(3)}});`,
    ].join('\n');

    expect(functionSizes('f.ts', text).map(({ name, lines }) => [name, lines])).toEqual([
      ['f.ts#outer', 12],
      ['f.ts#outer.inner', 61],
      ['f.ts#arrow', 61],
      ['f.ts#method', 62],
      ['f.ts#(map callback)', 5],
    ]);
  });

  it('leaves out a flat switch (each case one return, or none to fall through), but not a switch whose cases do more', () => {
    const cases = (n: number, extra: string) =>
      Array.from({ length: n }, (_, i) => `    case ${i}:${extra}\n      return ${i};\n`).join('');
    const fn = (name: string, extra: string) =>
      `function ${name}(x: number) {\n  switch (x) {\n    case 99:\n${cases(40, extra)}    default:\n      throw new Error('x');\n  }\n}`;
    const text = `${fn('flat', '')}\n${fn('busy', '\n      work();')}`;

    const sizes = Object.fromEntries(functionSizes('f.ts', text).map((s) => [s.name, s.lines]));

    expect(sizes['f.ts#flat']).toBe(2);
    expect(sizes['f.ts#busy']).toBeGreaterThan(maxFunctionLines);
  });
});
