/**
 * Every class a view writes (class="..." and the quoted words of a class={...} expression) has a
 * rule in the one stylesheet: a state word such as "warn" that nothing styles looks like any other
 * text, and the technician misses it.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../../../web/', import.meta.url));
/** Hooks for forms and landmarks that look right unstyled. */
const UNSTYLED = new Set(['logout', 'pager']);

const sources = async (dir: string): Promise<string[]> => {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.tsx')) out.push(path);
  }
  return out;
};

const classesIn = (source: string): string[] => {
  const words: string[] = [];
  for (const m of source.matchAll(/\bclass="([^"]*)"/g)) words.push(...m[1]!.split(/\s+/));
  // The words it may produce, not the ones it compares with (outcome === 'complete' ? 'ok' : ...).
  for (const m of source.matchAll(/\bclass=\{([^}]*)\}/g))
    for (const q of m[1]!.matchAll(/(?<![=!]==\s*)'([a-z][\w-]*)'(?!\s*[=!]==)/g)) words.push(q[1]!);
  return words.filter(Boolean);
};

test('every class the views use is styled', async () => {
  const css = await readFile(join(web, 'static', 'style.css'), 'utf8');
  const missing = new Set<string>();
  for (const file of await sources(web)) {
    for (const word of classesIn(await readFile(file, 'utf8'))) {
      if (UNSTYLED.has(word)) continue;
      if (!new RegExp(`\\.${word}(?![\\w-])`).test(css)) missing.add(`${word} (${file.slice(web.length)})`);
    }
  }
  assert.deepEqual([...missing], []);
});
