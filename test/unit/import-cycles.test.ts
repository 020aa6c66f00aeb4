/**
 * No import cycles in daemon/ and web/, type-only imports and dynamic `import()` included (what
 * `npx madge --circular --extensions ts,tsx daemon web` checks). tsc and biome accept type-only
 * cycles, so without this test they creep back. The graph is read from the import statements
 * themselves: madge cannot be a devDependency here (its TypeScript parser needs TypeScript < 6).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });

// `from '...'` (import, import type, export ... from), `import '...'` and `import('...')`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative imports of one file, resolved to the .ts/.tsx files they name. */
const importsOf = (file: string, text: string): string[] =>
  [...text.matchAll(SPECIFIER)].flatMap(([, spec]) => {
    const base = resolve(dirname(file), spec!).replace(/\.js$/, '');
    const target = [`${base}.ts`, `${base}.tsx`].find((p) => existsSync(p));
    return target ? [target] : [];
  });

/** Every cycle found by a depth-first walk, each as the files along it. */
const findCycles = (graph: Map<string, string[]>): string[][] => {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
};

test('the cycle finder sees a cycle through a type-only import', () => {
  const text = "import type { A } from './a.js';\nconst b = await import('./b.js');";
  assert.deepEqual(
    [...text.matchAll(SPECIFIER)].map((m) => m[1]),
    ['./a.js', './b.js'],
  );
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(findCycles(graph), [['a', 'b', 'c', 'a']]);
});

test('daemon/ and web/ have no import cycles, type-only ones included', () => {
  const files = [...sources(join(root, 'daemon')), ...sources(join(root, 'web'))];
  assert.ok(files.length > 100, `found only ${files.length} source files`);
  const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));
  const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
  assert.ok(edges > files.length, `only ${edges} imports resolved: is the import pattern still right?`);
  const cycles = findCycles(graph).map((c) => c.map((f) => relative(root, f)).join(' > '));
  assert.deepEqual(cycles, []);
});

test('the catalog does not import inventory: what both speak lives in daemon/platform.ts', () => {
  const inventory = join(root, 'daemon', 'inventory');
  const offending = sources(join(root, 'daemon', 'catalog')).filter((f) =>
    importsOf(f, readFileSync(f, 'utf8')).some((target) => target.startsWith(inventory)),
  );
  assert.deepEqual(
    offending.map((f) => relative(root, f)),
    [],
  );
});
