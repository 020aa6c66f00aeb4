/**
 * Durability: a writer is killed with SIGKILL at random moments while it rewrites the state file
 * as fast as it can. After each kill the state must parse and hold every acknowledged write.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StateStore } from '../../../daemon/store/state-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { runAndKill as runWriter } from '../../kill-writer.js';
import { tempDir } from '../../temp-dir.js';
import { lostAcks, nextStart } from './ack-writes.js';

const child = fileURLToPath(new URL('./write-loop.ts', import.meta.url));

const runAndKill = (dataDir: string, startAt: number, killAfterAcks: number): Promise<number[]> =>
  runWriter(child, [dataDir, String(startAt)], killAfterAcks);

test('state holds every acknowledged write across repeated kill -9', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const acknowledged = new Set<number>();
  let next = 0;
  for (let round = 0; round < 8; round++) {
    // Vary the kill point so it lands at different phases of the write cycle.
    const acks = await runAndKill(dir, next, 30 + ((round * 37) % 90));
    for (const n of acks) acknowledged.add(n);
    next = nextStart(acks, next);

    const store = new StateStore({ dataDir: dir, debounceMs: 5, maxDelayMs: 50, log: memoryLogger() });
    await store.start(); // throws if the file does not parse
    assert.deepEqual(lostAcks(store, acknowledged), [], `round ${round}: acknowledged writes lost`);
    await store.stop();
    assert.ok(!(await readdir(dir)).some((n) => n.includes('.tmp-')), 'temp files swept');
  }
  assert.ok(acknowledged.size >= 8 * 30);
});
