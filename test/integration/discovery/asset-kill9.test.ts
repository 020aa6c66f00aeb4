/**
 * Durability of the asset file: a writer is killed with SIGKILL at varying moments while it adds
 * assets; after each kill the file loads and holds every acknowledged asset, with no temp files left.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AssetStore } from '../../../daemon/discovery/asset-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { runAndKill as runWriter } from '../../kill-writer.js';
import { tempDir } from '../../temp-dir.js';

const child = fileURLToPath(new URL('./asset-write-loop.ts', import.meta.url));

const runAndKill = (dir: string, from: number, killAfter: number): Promise<number[]> =>
  runWriter(child, [dir, String(from)], killAfter);

test('the asset file holds every acknowledged asset across repeated kill -9', {
  timeout: 120_000,
}, async (t) => {
  const dir = await tempDir(t);
  const acknowledged = new Set<number>();
  let next = 0;
  for (let round = 0; round < 6; round++) {
    const acks = await runAndKill(dir, next, 20 + ((round * 29) % 50));
    for (const n of acks) acknowledged.add(n);
    next = Math.max(next, ...acks) + 1;
    const store = new AssetStore(dir, 5, memoryLogger());
    await store.start(); // throws if the file does not parse
    const present = new Set([...store.all()].map((a) => Number(a.hostnames[0]!.slice(5))));
    assert.deepEqual(
      [...acknowledged].filter((n) => !present.has(n)),
      [],
      `round ${round}: acknowledged assets lost`,
    );
    assert.ok(!(await readdir(dir)).some((n) => n.includes('.tmp-')), 'temp files swept');
  }
  assert.ok(acknowledged.size >= 6 * 20);
});
