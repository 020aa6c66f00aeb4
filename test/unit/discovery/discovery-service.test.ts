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
import { tempDir } from '../../temp-dir.js';

const harness = async (t: TestContext, net: FakeNetwork, dataDir?: string) => {
  const dir = dataDir ?? (await tempDir(t));
  const log = memoryLogger();
  const store = new StateStore({ dataDir: dir, debounceMs: 5, maxDelayMs: 50, log });
  await store.start();
  const config = { ...configSchema.parse({ dataDir: dir }).discovery, ...fastSettings, writeDebounceMs: 5 };
  const service = new DiscoveryService({ dataDir: dir, config, store, ports: net.ports(), log, tickMs: 10 });
  await service.start();
  t.after(async () => {
    await service.stop();
    await store.stop();
  });
  return { service, store, dir, log };
};

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
};

const scope = { name: 'Office', include: ['10.0.0.0/24'], exclude: [], everyMinutes: null, enabled: true };

test('no scope, no scan: a scan needs a saved scope', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const { service } = await harness(t, net);
  await assert.rejects(service.startScan('scope-nope'), /no scope/);
  service.tick();
  assert.equal(net.probes.length, 0);
});

test('a scan of a scope fills the asset list, records the scan and persists across restarts', async (t) => {
  const net = new FakeNetwork([
    { ip: '10.0.0.5', mac: '02:00:00:00:00:05' },
    { ip: '10.0.0.6', mac: '00:1b:a9:00:00:06', open: [9100] },
  ]);
  const { service, dir } = await harness(t, net);
  const s = await service.createScope(scope);
  const scan = await service.startScan(s.id);
  await assert.rejects(service.startScan(s.id), /still running/);
  await service.idle();
  const rec = service.scanRecord(scan.id)!;
  assert.equal(rec.status, 'done');
  assert.deepEqual(rec.counts, { found: 2, new: 2, offline: 0, ipChanged: 0 });
  assert.equal(service.scope(s.id).lastScanId, scan.id);
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
  assert.equal(await service.acknowledge('all'), 1);
  assert.equal(service.query(assetQuerySchema.parse({ status: 'new' })).total, 0);
});

test('scheduled scopes scan when due; disabled or on-demand ones never do', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const { service } = await harness(t, net);
  await service.createScope({ ...scope, name: 'manual' });
  await service.createScope({ ...scope, name: 'off', everyMinutes: 15, enabled: false });
  const due = await service.createScope({ ...scope, name: 'hourly', everyMinutes: 60 });
  await until(
    () => service.history().some((h) => h.trigger === 'schedule' && h.status === 'done'),
    'a scheduled scan',
  );
  assert.equal(service.history().length, 1);
  assert.equal(service.history()[0]?.scopeId, due.id);
});

test('a scan cut short by a stop is cancelled, and one left "running" on disk becomes interrupted', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const { service, dir } = await harness(t, net);
  const s = await service.createScope(scope);
  const scan = await service.startScan(s.id);
  service.cancelScan();
  await service.idle();
  assert.equal(service.scanRecord(scan.id)?.status, 'cancelled');
  await service.stop();
  const file = join(dir, 'discovery', 'scans.json');
  const doc = JSON.parse(await readFile(file, 'utf8'));
  doc.scans[0].status = 'running';
  await writeFile(file, JSON.stringify(doc));
  const again = await harness(t, net, dir);
  assert.equal(again.service.history()[0]?.status, 'interrupted');
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
