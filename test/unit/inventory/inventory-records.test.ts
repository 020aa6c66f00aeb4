import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { InventoryRecords, packageIdsOf } from '../../../daemon/inventory/inventory-records.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import { gzipRecord } from '../../../daemon/store/record-dir.js';
import { tempDir } from '../../temp-dir.js';

const host = (hostId: string, packages: HostInventory['packages']): HostInventory => ({
  hostId,
  collectedAt: '2026-11-23T10:00:00.000Z',
  os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian 12' },
  kernel: '6.1.0',
  packages,
  ecosystem: 'dpkg',
  rebootRequired: false,
});
const curl = { name: 'curl', version: '7.88.1-10+deb12u15', arch: 'amd64' };
const libc = { name: 'libc6', version: '2.36-9+deb12u13', source: 'glibc' };
const onDisk = async (file: string): Promise<Record<string, unknown>> =>
  JSON.parse(gunzipSync(await readFile(file)).toString('utf8'));

test('a host is stored as ids into the site package table and read back whole', async (t) => {
  const dir = join(await tempDir(t), 'inventory', 'hosts');
  const records = new InventoryRecords(dir);
  await records.start();
  await records.put('pc-1', host('pc-1', [curl, libc]));
  await records.put('pc-2', host('pc-2', [libc]));
  const stored = await onDisk(records.file('pc-1'));
  assert.deepEqual(stored.packageIds, [0, 1]);
  assert.equal('packages' in stored, false);
  assert.equal((await readFile(join(dir, '..', 'packages.jsonl'), 'utf8')).split('\n').length, 3);

  const fresh = new InventoryRecords(dir);
  const one = await fresh.get('pc-1');
  const two = await fresh.get('pc-2');
  assert.deepEqual(one, host('pc-1', [curl, libc]));
  assert.equal(one!.packages[1], two!.packages[0], 'hosts share their package objects');
  assert.deepEqual(packageIdsOf(one!)?.ids, [0, 1]);
  // An inventory whose package list was replaced is no longer described by the ids.
  assert.equal(packageIdsOf({ ...one!, packages: [libc] }), undefined);
  assert.throws(() => (one!.packages as unknown[]).push(libc), TypeError);
});

test('records of older versions read as they are, and migrate to ids once', async (t) => {
  const dir = join(await tempDir(t), 'inventory', 'hosts');
  const records = new InventoryRecords(dir);
  await records.start();
  await records.put('new', host('new', [curl]));
  await writeFile(join(dir, 'old-gz.json.gz'), await gzipRecord(host('old-gz', [libc, curl])));
  await writeFile(join(dir, 'old-plain.json'), JSON.stringify(host('old-plain', [libc])));
  const before = await records.get('old-gz');
  assert.deepEqual(before, host('old-gz', [libc, curl]));
  assert.equal(packageIdsOf(before!), undefined);

  assert.deepEqual(await records.migrate(), { migrated: 2, unreadable: [] });
  assert.deepEqual((await onDisk(records.file('old-gz'))).packageIds, [1, 0]);
  assert.deepEqual((await onDisk(records.file('old-plain'))).packageIds, [1]);
  await assert.rejects(access(join(dir, 'old-plain.json')));
  for (const id of ['new', 'old-gz', 'old-plain']) {
    const inv = await records.get(id);
    assert.ok(packageIdsOf(inv!), id);
  }
  assert.deepEqual(await records.get('old-gz'), before);
  // Done once: a later start does not read every record again.
  await access(join(dir, '..', 'packages.migrated'));
  await writeFile(join(dir, 'later.json.gz'), await gzipRecord(host('later', [libc])));
  assert.deepEqual(await records.migrate(), { migrated: 0, unreadable: [] });
  assert.deepEqual(await records.get('later'), host('later', [libc]));
});

test('a record naming a package the table does not have is reported corrupt with its path', async (t) => {
  const dir = join(await tempDir(t), 'inventory', 'hosts');
  const records = new InventoryRecords(dir);
  await records.put('pc-1', host('pc-1', [curl]));
  const { packages: _, ...head } = host('pc-9', []);
  await writeFile(records.file('pc-9'), await gzipRecord({ ...head, packageIds: [0, 7] }));
  await assert.rejects(records.get('pc-9'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'STORE_CORRUPT');
    assert.match(err.message, /pc-9\.json\.gz: .*package 7 is past its end/);
    return true;
  });
  await writeFile(records.file('pc-8'), await gzipRecord({ ...head, packageIds: [0, -1] }));
  await assert.rejects(records.get('pc-8'), /STORE_CORRUPT|pc-8\.json\.gz/);
  assert.deepEqual(await records.get('pc-1'), host('pc-1', [curl]));
});

test('a table grown far past what the records name is replaced by a new generation; a pass cut short is finished at the next start', async (t) => {
  const root = await tempDir(t);
  const dir = join(root, 'inventory', 'hosts');
  const opts = { compactFactor: 2, compactMinLines: 0 };
  const records = new InventoryRecords(dir, opts);
  const at = (v: number) => [curl, libc].map((p) => ({ ...p, version: `${p.version}.${v}` }));
  await records.put('pc-1', host('pc-1', at(0)));
  await records.put('pc-2', host('pc-2', at(0)));
  assert.deepEqual(await records.migrate(), { migrated: 0, unreadable: [] });
  // pc-1 is upgraded three times: the table keeps every version it ever had.
  for (const v of [1, 2, 3]) await records.put('pc-1', host('pc-1', at(v)));
  assert.equal((await records.packages()).size, 8);

  // A pass that stops after its first record (the process killed, say): both tables stay.
  let checks = 0;
  const cut = {
    get aborted() {
      checks++;
      return checks > 1;
    },
  } as AbortSignal;
  assert.deepEqual(await records.migrate(cut), { migrated: 1, unreadable: [] });
  assert.deepEqual((await onDisk(records.file('pc-1'))).packageTable, 1);
  assert.equal((await onDisk(records.file('pc-2'))).packageTable, undefined);
  await access(join(root, 'inventory', 'packages.jsonl'));

  const restarted = new InventoryRecords(dir, opts);
  assert.deepEqual(await restarted.get('pc-1'), host('pc-1', at(3)));
  assert.deepEqual(await restarted.get('pc-2'), host('pc-2', at(0)));
  assert.deepEqual(await restarted.migrate(), { migrated: 1, unreadable: [] });
  await assert.rejects(access(join(root, 'inventory', 'packages.jsonl')));
  const lines = (await readFile(join(root, 'inventory', 'packages-1.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(lines.length, 4, 'only the packages the records name');
  assert.deepEqual(await restarted.get('pc-1'), host('pc-1', at(3)));
  assert.deepEqual(await restarted.get('pc-2'), host('pc-2', at(0)));
  await restarted.put('pc-3', host('pc-3', at(9)));
  assert.deepEqual((await onDisk(restarted.file('pc-3'))).packageTable, 1);
  // Nothing more to do until it grows again.
  assert.deepEqual(await new InventoryRecords(dir, opts).migrate(), { migrated: 0, unreadable: [] });
});

test('a table that grows past the limit between starts says so, and one pass runs at a time', async (t) => {
  const dir = join(await tempDir(t), 'inventory', 'hosts');
  const records = new InventoryRecords(dir, { compactFactor: 2, compactMinLines: 0 });
  const at = (v: number) => [curl, libc].map((p) => ({ ...p, version: `${p.version}.${v}` }));
  await records.put('pc-1', host('pc-1', at(0)));
  assert.equal(records.grown(), false, 'no pass yet: nothing to compare with');
  await records.migrate();
  await records.put('pc-1', host('pc-1', at(1)));
  assert.equal(records.grown(), false, '4 lines: not past 2 x 2');
  await records.put('pc-1', host('pc-1', at(2)));
  assert.equal(records.grown(), true, '6 lines: past 2 x 2');
  const [a, b] = [records.migrate(), records.migrate()];
  assert.equal(a, b, 'the second call gets the pass that runs');
  assert.deepEqual(await a, { migrated: 1, unreadable: [] });
  assert.equal(records.grown(), false);
  assert.deepEqual(await records.get('pc-1'), host('pc-1', at(2)));
});

test('a damaged record keeps the old table for the next start, but does not start a pass after every collection', async (t) => {
  const dir = join(await tempDir(t), 'inventory', 'hosts');
  const records = new InventoryRecords(dir, { compactFactor: 2, compactMinLines: 0 });
  const at = (v: number) => [curl, libc].map((p) => ({ ...p, version: `${p.version}.${v}` }));
  await records.put('pc-1', host('pc-1', at(0)));
  await records.migrate();
  for (const v of [1, 2]) await records.put('pc-1', host('pc-1', at(v)));
  const { packages: _, ...head } = host('pc-9', []);
  await writeFile(records.file('pc-9'), await gzipRecord({ ...head, packageIds: [0, 99] }));
  assert.equal(records.grown(), true);
  assert.deepEqual(await records.migrate(), { migrated: 1, unreadable: ['pc-9'] });
  await access(join(dir, '..', 'packages.jsonl'));
  assert.equal(records.grown(), false, 'no second pass right after');
  assert.deepEqual(await records.get('pc-1'), host('pc-1', at(2)));
});
