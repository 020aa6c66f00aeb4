/**
 * Durability of the inventory files: a collector process is killed with SIGKILL at varying
 * moments while it rewrites per-host inventories, attempts and credentials as fast as it can.
 * After each kill every file must parse and hold at least the last acknowledged round, and a
 * restart sweeps the temp files an interrupted write left.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import { FakeRunner } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { runAndKill as runWriter } from '../../kill-writer.js';
import { tempDir } from '../../temp-dir.js';

const child = fileURLToPath(new URL('./collect-loop.ts', import.meta.url));
const hosts = ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4'];

const runAndKill = (dir: string, startAt: number, killAfterAcks: number): Promise<number[]> =>
  runWriter(child, [dir, String(startAt)], killAfterAcks);

const tempFiles = async (dir: string): Promise<string[]> => {
  const out: string[] = [];
  for (const sub of ['', 'hosts', 'attempts']) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    out.push(...names.filter((n) => n.includes('.tmp-')).map((n) => join(sub, n)));
  }
  return out;
};

test('inventory files survive kill -9 at any moment', { timeout: 180_000 }, async (t) => {
  const dir = join(await tempDir(t), 'inventory');
  let next = 0;
  let lastAcked = -1;
  for (let round = 0; round < 6; round++) {
    const acks = await runAndKill(dir, next, 2 + (round % 3));
    assert.ok(acks.length > 0);
    lastAcked = Math.max(lastAcked, ...acks);
    next = lastAcked + 1;

    const service = new InventoryService({
      dir,
      runner: new FakeRunner(),
      parsers: inventoryParsers,
      log: memoryLogger(),
      concurrency: 1,
      connectTimeoutMs: 1000,
      commandTimeoutMs: 1000,
      maxOutputBytes: 1 << 20,
      maxPackages: 20_000,
    });
    await service.start(); // sweeps temp files in the record dirs
    for (const h of hosts) {
      const inv = await service.inventories.get(h); // throws if a file is torn
      assert.ok(inv, `${h}: inventory present`);
      const marker = Number(inv.packages[0]!.version.slice(2));
      assert.equal(inv.packages.length, 3001);
      assert.ok(marker >= lastAcked, `${h}: round ${marker} on disk, ${lastAcked} acknowledged`);
      const attempt = await service.attempts.get(h);
      assert.ok(attempt);
      const cred = await service.credentials.get(h);
      assert.ok(
        Number(cred!.password!.slice(1)) >= lastAcked,
        `${h}: credentials of round ${cred!.password}`,
      );
    }
    assert.deepEqual(
      (await tempFiles(dir)).filter((n) => n.startsWith('hosts') || n.startsWith('attempts')),
      [],
      'temp files swept',
    );
    await service.stop();
  }
});
