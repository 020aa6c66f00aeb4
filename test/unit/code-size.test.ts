/**
 * The house size rule for product code: no function in daemon/ or web/ over 80 lines, no file over
 * 400. Functions are found by a real TypeScript + JSX parser (@babel/parser), so arrow functions,
 * methods and .tsx components all count; a function's lines include its nested functions.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { type ParserPlugin, parse } from '@babel/parser';

const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 400;
const ROOT = join(import.meta.dirname, '..', '..');
const FUNCTION_TYPES = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ObjectMethod',
  'ClassMethod',
  'ClassPrivateMethod',
]);

interface Node {
  type: string;
  loc?: { start: { line: number }; end: { line: number } } | null;
  id?: { name?: string } | null;
  key?: { name?: string; value?: unknown } | null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function nameOf(node: Node): string {
  return (
    node.id?.name ?? node.key?.name ?? (typeof node.key?.value === 'string' ? node.key.value : '(anonymous)')
  );
}

/** Every AST node below `root`, depth first, with the name it is bound to (`const f = () => …`). */
function* walk(root: unknown, boundName?: string): Generator<{ node: Node; boundName?: string }> {
  if (Array.isArray(root)) {
    for (const item of root) yield* walk(item);
    return;
  }
  if (root === null || typeof root !== 'object' || typeof (root as Node).type !== 'string') return;
  const node = root as Node;
  yield { node, boundName };
  const ownName = node.type === 'VariableDeclarator' ? node.id?.name : node.key ? nameOf(node) : undefined;
  for (const [key, value] of Object.entries(root)) {
    if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'extra') continue;
    if (value && typeof value === 'object')
      yield* walk(value, key === 'init' || key === 'value' ? ownName : undefined);
  }
}

/** The rule's offenders in one file, as `path:line name (N lines)`. */
export function sizeOffenders(path: string, text: string): string[] {
  const shown = relative(ROOT, path);
  const offenders: string[] = [];
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES) offenders.push(`${shown}: file has ${lines} lines (max ${MAX_FILE_LINES})`);
  const plugins: ParserPlugin[] = path.endsWith('.tsx') ? ['typescript', 'jsx'] : ['typescript'];
  const ast = parse(text, { sourceType: 'module', plugins });
  for (const { node, boundName } of walk(ast.program)) {
    if (!FUNCTION_TYPES.has(node.type) || !node.loc) continue;
    const length = node.loc.end.line - node.loc.start.line + 1;
    if (length > MAX_FUNCTION_LINES) {
      offenders.push(
        `${shown}:${node.loc.start.line} ${boundName ?? nameOf(node)} has ${length} lines (max ${MAX_FUNCTION_LINES})`,
      );
    }
  }
  return offenders;
}

test('the size check sees long arrow functions in .tsx and long methods in .ts', () => {
  const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const v${i} = <b>{${i}}</b>;`).join(
    '\n',
  );
  const tsx = `export const View = () => {\n${body}\n  return <p />;\n};\n`;
  assert.match(sizeOffenders(join(ROOT, 'x.tsx'), tsx).join('\n'), /x\.tsx:1 View has 83 lines/);
  const method = `class A {\n  run() {\n${body.replaceAll(/<b>\{(\d+)\}<\/b>/g, '$1')}\n  }\n}\n`;
  assert.match(sizeOffenders(join(ROOT, 'y.ts'), method).join('\n'), /y\.ts:2 run has 82 lines/);
  assert.deepEqual(sizeOffenders(join(ROOT, 'z.ts'), 'export const f = () => 1;\n'), []);
});

test(`no function in daemon/ or web/ over ${MAX_FUNCTION_LINES} lines, no file over ${MAX_FILE_LINES}`, () => {
  const files = ['daemon', 'web'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
  assert.ok(files.length > 50, 'the product sources were found');
  const offenders = files.flatMap((path) => sizeOffenders(path, readFileSync(path, 'utf8')));
  assert.deepEqual(offenders, [], `split these:\n${offenders.join('\n')}`);
});
