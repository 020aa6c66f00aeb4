/**
 * The inventory store under kill -9: a writer (store-writer.ts) stores realistic inventories and
 * replaces the package table by new generations while it runs, and is killed at random moments
 * (mid-append, mid-replacement, mid-record-write). After each kill the store is opened again as a
 * CLI command opens it (no start) and as the daemon does (start, then the migration pass): every
 * host reads back exactly as acknowledged (or as the round in flight), no record names a line that
 * is not there, no temp file is left, and the pass leaves one table generation.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InventoryRecords } from '../../../daemon/inventory/inventory-records.js';
import { runAndKill } from '../../kill-writer.js';
import { Rng } from '../../support/prng.js';
import { tempDir } from '../../temp-dir.js';
import { HOSTS, inventoryAt, roundOf, TABLE_OPTS } from './store-writer.js';

const child = fileURLToPath(new URL('./store-writer.ts', import.meta.url));
const KILLS = Number(process.env.STORE_KILLS ?? 12);

/** Every host reads back whole, as one round at least `acked` stored it; returns the latest round. */
const checkHosts = async (records: InventoryRecords, acked: number): Promise<number> => {
  let latest = acked;
  for (let h = 0; h < HOSTS; h++) {
    const inv = await records.get(`host-${h}`); // throws if a record names a line not there
    assert.ok(inv, `host-${h} present`);
    const round = roundOf(inv);
    assert.ok(round >= acked && round <= acked + 2, `host-${h}: round ${round}, ${acked} acknowledged`);
    assert.deepEqual(inv, inventoryAt(h, round), `host-${h} reads back exactly as stored`);
    latest = Math.max(latest, round);
  }
  return latest;
};

/** Read every host over and over: each read is a whole inventory of some round, or an error. */
const readWhileWriting = async (
  hosts: string,
  signal: AbortSignal,
  seen: { reads: number; errors: string[] },
): Promise<void> => {
  const reader = new InventoryRecords(hosts, TABLE_OPTS);
  while (!signal.aborted) {
    for (let h = 0; h < HOSTS && !signal.aborted; h++) {
      let inv: Awaited<ReturnType<InventoryRecords['get']>>;
      try {
        inv = await reader.get(`host-${h}`);
      } catch (err) {
        seen.errors.push((err as Error).message);
        continue;
      }
      seen.reads++;
      // Never a wrong package list: what is read is exactly some round's inventory.
      if (inv) assert.deepEqual(inv, inventoryAt(h, roundOf(inv)), `host-${h} read while written`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('the inventory store survives kill -9 mid-append, mid-replacement and mid-record-write', {
  timeout: 600_000,
}, async (t) => {
  const dir = join(await tempDir(t), 'inventory');
  const hosts = join(dir, 'hosts');
  const rng = new Rng(Number(process.env.STORE_KILL_SEED ?? 15));
  let next = 0;
  let generations = 0;
  const seen = { reads: 0, errors: [] as string[] };
  for (let kill = 0; kill < KILLS; kill++) {
    // A second process (this one) reads the store as a CLI command would while the writer runs.
    const stop = new AbortController();
    const reading = readWhileWriting(hosts, stop.signal, seen);
    const acks = await runAndKill(child, [hosts, String(next)], 1_000, { killAfterMs: rng.int(1_500) });
    stop.abort();
    await reading;
    assert.ok(acks.length > 0, 'the writer acknowledged a round');
    const acked = Math.max(...acks);

    // As a CLI command reads it, while nothing swept or finished: every host already whole.
    await checkHosts(new InventoryRecords(hosts, TABLE_OPTS), acked);
    // As the daemon starts: temp files swept, the pass finishes any replacement cut short.
    const records = new InventoryRecords(hosts, TABLE_OPTS);
    await records.start();
    const names = [...(await readdir(dir)), ...(await readdir(hosts))];
    assert.deepEqual(
      names.filter((n) => n.includes('.tmp-')),
      [],
      'no temp files left after a start',
    );
    const latest = await checkHosts(records, acked);
    assert.deepEqual((await records.migrate()).unreadable, []);
    const tables = (await readdir(dir)).filter((n) => n.startsWith('packages') && n.endsWith('.jsonl'));
    assert.equal(tables.length, 1, `one table generation after the pass: ${tables}`);
    generations = Math.max(generations, records.tables.current);
    await checkHosts(new InventoryRecords(hosts, TABLE_OPTS), acked);
    next = latest + 1;
  }
  t.diagnostic(`concurrent reads: ${seen.reads}, errors: ${seen.errors.length} ${seen.errors.slice(0, 3)}`);
  assert.deepEqual(seen.errors, [], 'a reader in another process never fails on a healthy store');
  t.diagnostic(`${KILLS} kills, last round ${next - 1}, table generation ${generations}`);
  assert.ok(generations >= 2, 'the table was replaced while the writer ran');
});
