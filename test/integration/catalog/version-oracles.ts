/**
 * The reference implementations: dpkg's and rpm's own comparison, driven in batches so thousands of
 * pairs cost seconds. dpkg --compare-versions takes one pair per process, so pairs are split over a
 * few shell loops running in parallel; rpm compares a whole file in one embedded-Lua run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// One line of output per input pair: -1, 0 or 1, or E when dpkg refuses a version as bad syntax
// (exit 2), so a generator bug can never pass as "greater". dpkg exits 0 when the relation holds.
const DPKG_LOOP = `while IFS='\t' read -r a b; do
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null; r=$?
  if [ $r -eq 0 ]; then echo -1
  elif [ $r -eq 1 ]; then
    if dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0; else echo 1; fi
  else echo E; fi
done`;

export const hasCommand = async (cmd: string, args: string[]): Promise<boolean> => {
  try {
    await run(cmd, args);
    return true;
  } catch {
    return false;
  }
};

const withTempDir = async <T>(fn: (dir: string) => Promise<T>): Promise<T> => {
  const dir = await mkdtemp(join(tmpdir(), 'pd-vercmp-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

export const dpkgCompareMany = async (pairs: [string, string][]): Promise<number[]> =>
  withTempDir(async (dir) => {
    const workers = Math.max(1, Math.min(8, availableParallelism()));
    const size = Math.ceil(pairs.length / workers);
    const chunks = await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        const slice = pairs.slice(w * size, (w + 1) * size);
        const file = join(dir, `pairs-${w}.tsv`);
        await writeFile(file, slice.map(([a, b]) => `${a}\t${b}\n`).join(''));
        const { stdout } = await run('sh', ['-c', `${DPKG_LOOP} < "$1"`, 'sh', file], {
          maxBuffer: 64 << 20,
        });
        return stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => (l === 'E' ? Number.NaN : Number(l)));
      }),
    );
    return chunks.flat();
  });

export const rpmCompareMany = async (pairs: [string, string][]): Promise<number[]> =>
  withTempDir(async (dir) => {
    const file = join(dir, 'pairs.tsv');
    await writeFile(file, pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
    const lua = `%{lua: for line in io.lines("${file}") do local a, b = line:match("^([^\\t]*)\\t(.*)$"); print(rpm.vercmp(a, b) .. "\\n") end}`;
    const { stdout } = await run('rpm', ['--eval', lua], { maxBuffer: 64 << 20 });
    return stdout.split('\n').filter(Boolean).map(Number);
  });
