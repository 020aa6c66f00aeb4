/**
 * `npm run bench [NAME...]`: run each benchmark in bench/<name>/run.ts (all when none is named).
 * Every benchmark compares against its peer tool in the same run and prints a table plus one
 * JSON line starting with `BENCH ` so results can be collected.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const available = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'run.ts')))
  .map((d) => d.name)
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length) {
  console.error(
    `bench: unknown benchmark(s) ${unknown.join(', ')}; available: ${available.join(', ') || 'none'}`,
  );
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : available) {
  console.log(`\n=== bench/${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, name, 'run.ts')], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
