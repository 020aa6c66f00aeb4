/**
 * kill -9 the daemon during an inventory collection: after the restart the collection job shows
 * interrupted, is retried, and completes; the host's inventory is on disk. The test fails if the
 * job is lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import { debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { FakeRunner } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { startJobs } from '../../job-runner.js';
import { runAndKill } from '../../kill-writer.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

const child = fileURLToPath(new URL('./inventory-child.ts', import.meta.url));

test('an inventory collection cut by kill -9 is interrupted, retried and completes', {
  timeout: 60_000,
}, async (t) => {
  const dir = await tempDir(t);
  assert.deepEqual(await runAndKill(child, [dir], 1), [1]);

  const work = await startJobs(dir, { schedule: false });
  onTeardown(t, work.stop);
  const [job] = work.jobs.list({ kind: 'inventory.collect' });
  assert.ok(job, 'the collection job was not lost');
  assert.equal(job.state, 'interrupted');
  assert.equal(job.host, '10.9.0.1');

  const runner = new FakeRunner();
  const service = new InventoryService({
    dir: `${dir}/inventory`,
    runner,
    parsers: inventoryParsers,
    log: memoryLogger(),
    concurrency: 2,
    connectTimeoutMs: 5_000,
    commandTimeoutMs: 5_000,
    maxOutputBytes: 1 << 20,
    maxPackages: 20_000,
    jobs: work.jobs,
  });
  const key = await service.keys.get();
  runner.add('10.9.0.1', 22, fakeHost(debian, key.privateKey, 'h1'));
  await service.start();
  onTeardown(t, () => service.stop());

  const done = await work.jobs.settled(job.id);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.attempts, 2);
  assert.deepEqual(
    done.events.map((e) => e.state),
    ['queued', 'running', 'interrupted', 'queued', 'running', 'succeeded'],
  );
  assert.equal((await service.inventories.get('10.9.0.1'))?.packages.length, 4);
  const run = service.getRun(job.group!);
  assert.equal(run?.hosts.get('10.9.0.1')?.state, 'ok');
  assert.ok(run?.finishedAt);
});
