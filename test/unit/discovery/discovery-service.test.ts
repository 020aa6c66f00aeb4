import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { Registry } from 'prom-client';
import { configSchema } from '../../../daemon/config.js';
import { assetQuerySchema } from '../../../daemon/discovery/asset-query.js';
import { registerDiscoveryMetrics } from '../../../daemon/discovery/discovery-metrics.js';
import { DiscoveryService } from '../../../daemon/discovery/discovery-service.js';
import { StateStore } from '../../../daemon/store/state-store.js';
import { FakeNetwork, fastSettings } from '../../fakes/discovery-network.js';
import { memoryLogger } from '../../fakes/log.js';
import { startJobs } from '../../job-runner.js';
import { waitFor } from '../../support/wait-for.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

/** The service as the daemon runs it: over a job runner and the scheduler, on the network's clock. */
const harness = async (t: TestContext, net: FakeNetwork, dataDir?: string) => {
  const dir = dataDir ?? (await tempDir(t));
  const log = memoryLogger();
  const store = new StateStore({ dataDir: dir, debounceMs: 5, maxDelayMs: 50, log });
  await store.start();
  const work = await startJobs(dir, { clock: net.clock, log });
  const { jobs, scheduler } = work;
  const config = { ...configSchema.parse({ dataDir: dir }).discovery, ...fastSettings, writeDebounceMs: 5 };
  const service = new DiscoveryService({
    dataDir: dir,
    config,
    store,
    ports: net.ports(),
    log,
    jobs,
    scheduler,
  });
  await service.start();
  const stop = async () => {
    await service.stop();
    await work.stop();
    await store.stop();
  };
  onTeardown(t, stop);
  return { service, store, dir, log, jobs, scheduler, stop };
};

const scope = { name: 'Office', include: ['10.0.0.0/24'], exclude: [], everyMinutes: null, enabled: true };

test('no scope, no scan: a scan needs a saved scope', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const { service, scheduler } = await harness(t, net);
  await assert.rejects(service.startScan('scope-nope'), /no scope/);
  assert.deepEqual(scheduler.upcoming(), []);
  assert.equal(net.probes.length, 0);
});

test('a scan of a scope fills the asset list, records the scan and persists across restarts', async (t) => {
  const net = new FakeNetwork([
    { ip: '10.0.0.5', mac: '02:00:00:00:00:05' },
    { ip: '10.0.0.6', mac: '00:1b:a9:00:00:06', open: [9100] },
  ]);
  const { service, dir, jobs } = await harness(t, net);
  const s = await service.createScope(scope);
  const scan = await service.startScan(s.id);
  await assert.rejects(service.startScan(s.id), /still running/);
  await service.idle();
  const rec = service.scanRecord(scan.id)!;
  assert.equal(rec.status, 'done');
  const job = jobs.get(scan.id);
  assert.equal(job?.kind, 'discovery.scan', 'the scan id is its job id');
  assert.equal(job?.result?.summary, '2 found, 2 new, 0 went offline, 0 changed address');
  assert.deepEqual(rec.counts, { found: 2, new: 2, offline: 0, ipChanged: 0 });
  assert.equal(service.scope(s.id).lastScanId, scan.id);
  const total = (status: string) => service.query(assetQuerySchema.parse({ status })).total;
  assert.deepEqual(service.counts(), { total: total(''), online: total('online'), new: total('new') });
  assert.deepEqual(service.counts(), { total: 2, online: 2, new: 2 });
  await service.editAsset('m-001ba9000006', { tags: ['printers', ' floor 2 '], notes: 'by the door' });
  await service.stop();

  const again = await harness(t, net, dir);
  const printer = again.service.asset('m-001ba9000006');
  assert.deepEqual(printer.tags, ['printers', 'floor 2']);
  assert.equal(printer.deviceClass, 'printer');
  assert.equal(again.service.history()[0]?.id, scan.id);
  const disk = JSON.parse(await readFile(join(dir, 'discovery', 'assets.json'), 'utf8'));
  assert.equal(disk.assets.length, 2);
});

test('a device that leaves goes offline on the next scan; acknowledging clears "new"', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const { service } = await harness(t, net);
  const s = await service.createScope(scope);
  await service.startScan(s.id);
  await service.idle();
  net.remove('10.0.0.5');
  const second = await service.startScan(s.id);
  await service.idle();
  assert.equal(service.scanRecord(second.id)?.counts?.offline, 1);
  assert.equal(service.asset('m-020000000005').online, false);
  assert.deepEqual(service.counts(), { total: 1, online: 0, new: 1 });
  assert.equal(await service.acknowledge('all'), 1);
  assert.equal(service.query(assetQuerySchema.parse({ status: 'new' })).total, 0);
  assert.deepEqual(service.counts(), { total: 1, online: 0, new: 0 });
});

test('scheduled scopes scan when due, then every interval; disabled or on-demand ones never do', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const { service, scheduler } = await harness(t, net);
  await service.createScope({ ...scope, name: 'manual' });
  await service.createScope({ ...scope, name: 'off', everyMinutes: 15, enabled: false });
  const due = await service.createScope({ ...scope, name: 'hourly', everyMinutes: 60 });
  const scheduled = () => service.history().filter((h) => h.trigger === 'schedule' && h.status === 'done');
  await waitFor(() => scheduled().length === 1, 'a scheduled scan');
  await service.idle();
  assert.equal(service.history().length, 1);
  assert.equal(service.history()[0]?.scopeId, due.id);
  assert.deepEqual(
    scheduler.upcoming().map((u) => [u.label, u.at]),
    [['Scan of hourly', net.clock.now() + 60 * 60_000]],
  );
  await net.clock.advance(60 * 60_000);
  await waitFor(() => scheduled().length === 2, 'the next scheduled scan');
});

test('cancel ends a scan as cancelled; a stop interrupts it and the next start scans again', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const first = await harness(t, net);
  const s = await first.service.createScope(scope);
  net.holdMdns = true;
  const cancelled = await first.service.startScan(s.id);
  await waitFor(() => first.service.scanRecord(cancelled.id)?.status === 'running', 'the scan to start');
  await first.service.cancelScan();
  await first.service.idle();
  assert.equal(first.service.scanRecord(cancelled.id)?.status, 'cancelled');
  assert.equal(first.jobs.get(cancelled.id)?.state, 'cancelled');

  const cut = await first.service.startScan(s.id);
  await waitFor(() => first.service.scanRecord(cut.id)?.status === 'running', 'the second scan to start');
  await first.stop();
  assert.equal(first.service.scanRecord(cut.id)?.status, 'interrupted');
  net.holdMdns = false;
  const again = await harness(t, net, first.dir);
  await again.service.idle();
  assert.equal(again.service.scanRecord(cut.id)?.status, 'done');
  assert.equal(again.jobs.get(cut.id)?.attempts, 2);
});

test('a failed last scan is a health problem until a scan succeeds', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const first = await harness(t, net);
  const s = await first.service.createScope(scope);
  await first.service.startScan(s.id);
  await first.service.idle();
  assert.deepEqual(first.service.health(), []);
  await first.stop();
  const file = join(first.dir, 'discovery', 'scans.json');
  const doc = JSON.parse(await readFile(file, 'utf8'));
  Object.assign(doc.scans[0], { status: 'failed', error: 'neighbour table unreadable' });
  await writeFile(file, JSON.stringify(doc));
  const again = await harness(t, net, first.dir);
  assert.deepEqual(again.service.health(), [
    {
      source: 'discovery',
      message: `the last scan (${doc.scans[0].id} of Office) failed: neighbour table unreadable`,
    },
  ]);
  await again.service.startScan(s.id);
  await again.service.idle();
  assert.deepEqual(again.service.health(), []);
});

test('a damaged asset record is skipped, the rest load', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const first = await harness(t, net);
  const s = await first.service.createScope(scope);
  await first.service.startScan(s.id);
  await first.service.idle();
  await first.service.stop();
  const file = join(first.dir, 'discovery', 'assets.json');
  const doc = JSON.parse(await readFile(file, 'utf8'));
  doc.assets.push({ id: 'broken' });
  await writeFile(file, JSON.stringify(doc));
  const again = await harness(t, net, first.dir);
  assert.equal(again.service.assets.size, 1);
  assert.ok(again.log.lines.some((l) => l.msg === 'skipped unreadable asset records'));
});

test('metrics: assets by state and class, scans by outcome, last scan size', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.6', mac: '00:1b:a9:00:00:06', open: [9100] }]);
  const { service } = await harness(t, net);
  const registry = new Registry();
  registerDiscoveryMetrics(registry, service);
  const s = await service.createScope(scope);
  await service.startScan(s.id);
  await service.idle();
  const text = await registry.metrics();
  assert.match(text, /patch_depot_discovery_assets\{state="online",class="printer"\} 1/);
  assert.match(text, /patch_depot_discovery_new_assets 1/);
  assert.match(text, /patch_depot_discovery_scans\{status="done"\} 1/);
  assert.match(text, /patch_depot_discovery_last_scan_devices 1/);
});
