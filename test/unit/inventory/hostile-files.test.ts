/**
 * Files planted or damaged in the inventory store: a package table or host record that is a
 * symlink (to /etc/passwd, to a file outside the data directory) or a directory. Each is reported
 * STORE_CORRUPT naming the file, nothing outside the data directory is read or written through
 * it, and the other hosts still read.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { InventoryRecords } from '../../../daemon/inventory/inventory-records.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import { tempDir } from '../../temp-dir.js';

const host = (hostId: string, names: string[]): HostInventory => ({
  hostId,
  collectedAt: '2026-12-05T10:00:00.000Z',
  os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian 12' },
  kernel: '6.1.0',
  packages: names.map((name) => ({ name, version: '1.0-1', arch: 'amd64' })),
  ecosystem: 'dpkg',
  rebootRequired: false,
});

const corrupt =
  (file: string) =>
  (err: Error & { code?: string }): boolean => {
    assert.equal(err.code, 'STORE_CORRUPT', err.message);
    assert.ok(err.message.includes(file), `${err.message} names ${file}`);
    assert.doesNotMatch(err.message, /root:|outside secret/, 'no content of the target in the message');
    return true;
  };

test('a package table that is a symlink is refused, and nothing is appended through it', async (t) => {
  const root = await tempDir(t);
  const inventory = join(root, 'data', 'inventory');
  await mkdir(join(inventory, 'hosts'), { recursive: true });
  const outside = join(root, 'outside.txt');
  await writeFile(outside, 'outside secret\n');
  const table = join(inventory, 'packages.jsonl');
  await symlink(outside, table);
  const records = new InventoryRecords(join(inventory, 'hosts'));
  await records.start();
  await assert.rejects(records.put('h1', host('h1', ['curl'])), corrupt(table));
  assert.equal(await readFile(outside, 'utf8'), 'outside secret\n', 'the file outside is untouched');
  await assert.rejects(
    records.migrate().then(() => records.put('h1', host('h1', ['curl']))),
    corrupt(table),
  );
});

test('a package table that is a directory is reported corrupt naming it', async (t) => {
  const inventory = join(await tempDir(t), 'inventory');
  await mkdir(join(inventory, 'hosts'), { recursive: true });
  const table = join(inventory, 'packages.jsonl');
  await mkdir(table);
  const records = new InventoryRecords(join(inventory, 'hosts'));
  await assert.rejects(records.put('h1', host('h1', ['curl'])), corrupt(table));
});

test('a host record that is a directory or a symlink is that host reported corrupt; the others read', async (t) => {
  const inventory = join(await tempDir(t), 'inventory');
  const hosts = join(inventory, 'hosts');
  const records = new InventoryRecords(hosts);
  await records.start();
  await records.put('h0', host('h0', ['curl', 'libc6']));
  await mkdir(join(hosts, 'h1.json.gz'));
  await symlink('/etc/passwd', join(hosts, 'h2.json'));
  await symlink('/etc/passwd', join(hosts, 'h3.json.gz'));
  assert.deepEqual(await records.ids(), ['h0', 'h1', 'h2', 'h3']);
  await assert.rejects(records.get('h1'), corrupt(join(hosts, 'h1.json.gz')));
  await assert.rejects(records.get('h2'), corrupt(join(hosts, 'h2.json')));
  await assert.rejects(records.get('h3'), corrupt(join(hosts, 'h3.json.gz')));
  const pass = await records.migrate();
  assert.deepEqual(pass.unreadable.sort(), ['h1', 'h2', 'h3']);
  assert.deepEqual(
    (await records.get('h0'))?.packages.map((p) => p.name),
    ['curl', 'libc6'],
  );
  // A new collection of such a host replaces the planted file with its record.
  await records.put('h3', host('h3', ['zlib1g']));
  assert.deepEqual(
    (await records.get('h3'))?.packages.map((p) => p.name),
    ['zlib1g'],
  );
});

test('a reader in another process whose record is rewritten and its table removed meanwhile reads the new record', async (t) => {
  const hosts = join(await tempDir(t), 'inventory', 'hosts');
  // Two objects on one directory: a CLI command's store beside the daemon's.
  const daemon = new InventoryRecords(hosts, { compactFactor: 1, compactMinLines: 1 });
  const cli = new InventoryRecords(hosts);
  await daemon.put('h1', host('h1', ['curl']));
  await daemon.migrate(); // the first pass: the table's size is its limit from now on
  assert.deepEqual((await cli.get('h1'))?.packages.length, 1); // the CLI has read table 0
  await daemon.put('h2', host('h2', ['libc6', 'zlib1g'])); // table 0 grows past its limit
  const table0 = cli.tables.table(0);
  const get = table0.get.bind(table0);
  table0.get = async (ids) => {
    // Between reading h2's record and its packages, the daemon replaces the table.
    await daemon.migrate();
    assert.equal(daemon.tables.current, 1);
    return get(ids);
  };
  assert.deepEqual(
    (await cli.get('h2'))?.packages.map((p) => p.name),
    ['libc6', 'zlib1g'],
  );
});

test('a table that lost its last lines, appended to again, is never read as another package list', async (t) => {
  const inventory = join(await tempDir(t), 'inventory');
  const hosts = join(inventory, 'hosts');
  const table = join(inventory, 'packages.jsonl');
  const before = new InventoryRecords(hosts);
  await before.put('h1', host('h1', ['curl', 'libc6']));
  await before.put('h2', host('h2', ['curl', 'zlib1g', 'openssl']));
  // Damage (or a table restored from an older backup than the records): lines 2 and 3 lost.
  const lines = (await readFile(table, 'utf8')).split('\n');
  await writeFile(table, `${lines.slice(0, 2).join('\n')}\n`);
  const after = new InventoryRecords(hosts);
  await after.put('h3', host('h3', ['evil', 'worse'])); // takes lines 2 and 3 again
  assert.deepEqual(
    (await after.get('h1'))?.packages.map((p) => p.name),
    ['curl', 'libc6'],
  );
  await assert.rejects(after.get('h2'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'STORE_CORRUPT');
    assert.match(
      err.message,
      /h2\.json\.gz: .*packages\.jsonl: package 3 is not the line it was stored with/,
    );
    return true;
  });
  // A new collection of that host stores it whole again.
  await after.put('h2', host('h2', ['curl', 'zlib1g', 'openssl']));
  assert.deepEqual(
    (await new InventoryRecords(hosts).get('h2'))?.packages.map((p) => p.name),
    ['curl', 'zlib1g', 'openssl'],
  );
});

test('a start sweeps the temp files a killed writer left beside the records (the mark, a table)', async (t) => {
  const inventory = join(await tempDir(t), 'inventory');
  await mkdir(join(inventory, 'hosts'), { recursive: true });
  const left = ['packages.migrated.tmp-999999999-0a1b2c3d', 'packages-2.jsonl.tmp-999999999-00ff00ff'];
  for (const name of left) await writeFile(join(inventory, name), 'x');
  await new InventoryRecords(join(inventory, 'hosts')).start();
  assert.deepEqual((await readdir(inventory)).sort(), ['hosts']);
});
