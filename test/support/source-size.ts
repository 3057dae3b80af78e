import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Longest a source file may be, in lines. */
export const maxFileLines = 300;
/** Longest a function may be, in its own lines (see {@link functionSizes}). */
export const maxFunctionLines = 60;

/** The size of one function: `file#outer.inner` names it (stable across edits, unlike line numbers). */
export interface FunctionSize {
  name: string;
  lines: number;
  /** 1-based line the function starts on (to find it; not part of its name). */
  line: number;
}

/** Every `.ts` file below `dir`, sorted, with `/` separators. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    )
    .map((f) => f.split('\\').join('/'))
    .sort();
}

/** A file's length in lines, as an editor numbers them (a final newline adds no line). */
export function fileLines(text: string): number {
  if (text === '') return 0;
  return text.replace(/\r?\n$/, '').split(/\r?\n/).length;
}

type FunctionNode =
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.MethodDeclaration
  | ts.ConstructorDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration;

function isFunctionNode(node: ts.Node): node is FunctionNode {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** A case that maps to one value: no statement (falls through to the next label), or one `return`/`throw`. */
function isFlatClause(clause: ts.CaseOrDefaultClause): boolean {
  const statements =
    clause.statements.length === 1 && ts.isBlock(clause.statements[0] as ts.Statement)
      ? (clause.statements[0] as ts.Block).statements
      : clause.statements;
  if (statements.length === 0) return true;
  const only = statements[0] as ts.Statement;
  return statements.length === 1 && (ts.isReturnStatement(only) || ts.isThrowStatement(only));
}

/** A `switch` whose every case maps to one value: a lookup table written as code, exempt from the limit. */
export function isFlatSwitch(node: ts.Node): node is ts.SwitchStatement {
  return ts.isSwitchStatement(node) && node.caseBlock.clauses.every(isFlatClause);
}

function nameOf(node: FunctionNode): string | undefined {
  if (node.name && !ts.isComputedPropertyName(node.name)) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (
    ts.isVariableDeclaration(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isPropertyDeclaration(parent)
  ) {
    return parent.name.getText();
  }
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression;
    const called = ts.isPropertyAccessExpression(callee)
      ? callee.name.getText()
      : ts.isIdentifier(callee)
        ? callee.text
        : 'call';
    return `(${called} callback)`;
  }
  return undefined;
}

function lineOf(source: ts.SourceFile, pos: number): number {
  return source.getLineAndCharacterOfPosition(pos).line;
}

/** Marks the lines of `node` (from its first token, comments before it excluded) in `lines`. */
function markLines(source: ts.SourceFile, node: ts.Node, lines: Set<number>): void {
  const last = lineOf(source, node.getEnd());
  for (let l = lineOf(source, node.getStart(source)); l <= last; l++) lines.add(l);
}

/**
 * The size of every function (in source order), arrow function, method, constructor and accessor of a file. A function's lines are
 * its own: the lines of the functions nested in it count for those (each is checked by itself), and the lines of
 * a flat `switch` (see {@link isFlatSwitch}) count for none. A callback is named after the call it is passed to
 * (`outer.(map callback)`), other anonymous functions `<anonymous>`; a repeated name is numbered (`name 2`).
 */
export function functionSizes(file: string, text: string): FunctionSize[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const sizes: FunctionSize[] = [];
  const seen = new Map<string, number>();
  const unique = (name: string) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name} ${n}`;
  };
  function measure(fn: FunctionNode, path: string): void {
    const own = new Set<number>();
    markLines(source, fn, own);
    const line = lineOf(source, fn.getStart(source)) + 1;
    const excluded = new Set<number>();
    const visit = (node: ts.Node): void => {
      if (isFunctionNode(node)) {
        markLines(source, node, excluded);
        walk(node, path);
        return;
      }
      if (isFlatSwitch(node)) markLines(source, node, excluded);
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(fn, visit);
    sizes.push({ name: `${file}#${path}`, lines: [...own].filter((l) => !excluded.has(l)).length, line });
  }
  function walk(node: ts.Node, outer: string): void {
    if (isFunctionNode(node)) {
      const own = nameOf(node) ?? '<anonymous>';
      measure(node, unique(outer === '' ? own : `${outer}.${own}`));
      return;
    }
    ts.forEachChild(node, (child) => walk(child, outer));
  }
  walk(source, '');
  return sizes.sort((a, b) => a.line - b.line);
}
