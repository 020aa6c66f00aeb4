/**
 * A data directory from before the host directory: assets keyed `m-<mac>`, inventories,
 * attempts and credentials keyed by address or by the "asset id" a technician typed, pins keyed
 * `address:port`. It must load and join: one host per machine, every file under its host id,
 * passwords and pins kept, old ids resolving; and a migration cut short finishes at the next start.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { AssetStore } from '../../../daemon/discovery/asset-store.js';
import { HostService } from '../../../daemon/hosts/host-service.js';
import { hostFindings, inventoryTargets } from '../../../daemon/hosts/hosts-module.js';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import { fingerprintOf } from '../../../daemon/remote/ssh-key-format.js';
import { asset } from '../../fakes/host-assets.js';
import { FakeRunner, fakeHostKey } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const AT = '2026-11-20T10:00:00.000Z';
const json = async (file: string, value: unknown) => {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, `${JSON.stringify(value)}\n`);
};
const pin = (seed: string) => {
  const key = fakeHostKey(seed);
  return {
    pinned: {
      type: key.type,
      key: key.blob.toString('base64'),
      fingerprint: fingerprintOf(key.blob),
      seenAt: AT,
    },
  };
};
const cred = (hostId: string, address: string, password?: string) => ({
  hostId,
  address,
  port: 22,
  username: 'root',
  ...(password ? { password } : {}),
  updatedAt: AT,
});
const inventoryOf = (hostId: string): HostInventory => ({
  hostId,
  collectedAt: AT,
  os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
  kernel: '6.1.0',
  packages: [{ name: 'bash', version: '5.2.15-2+b7' }],
  ecosystem: 'dpkg',
  rebootRequired: false,
});

/** The layout a pre-directory appliance left behind. */
const oldDataDir = async (dir: string) => {
  await json(join(dir, 'discovery', 'assets.json'), {
    version: 1,
    assets: [
      asset({ mac: '02:50:44:00:00:05', ip: '10.0.0.5', hostnames: ['files.lan'] }),
      asset({ mac: '02:50:44:00:00:06', ip: '10.0.0.6' }),
    ],
  });
  const inv = join(dir, 'inventory');
  await json(join(inv, 'credentials.json'), {
    version: 1,
    hosts: {
      '10.0.0.5': cred('10.0.0.5', '10.0.0.5', 'old password'),
      'm-025044000006': cred('m-025044000006', '10.0.0.6'),
      'lab-x': cred('lab-x', '10.0.0.7'),
    },
  });
  await json(join(inv, 'known-hosts.json'), {
    version: 1,
    hosts: { '10.0.0.5:22': pin('five'), '10.0.0.6:22': pin('six') },
  });
  for (const id of ['10.0.0.5', 'm-025044000006', '10.0.0.99']) {
    await json(join(inv, 'hosts', `${id}.json`), inventoryOf(id));
  }
  await json(join(inv, 'attempts', '10.0.0.5.json'), {
    hostId: '10.0.0.5',
    runId: 'inv-00000001',
    startedAt: AT,
    finishedAt: AT,
    ok: true,
    packages: 1,
  });
};

const open = async (t: TestContext, dir: string) => {
  const log = memoryLogger();
  const assets = new AssetStore(join(dir, 'discovery'), 10, log);
  await assets.start();
  const inventory = new InventoryService({
    dir: join(dir, 'inventory'),
    runner: new FakeRunner(),
    parsers: inventoryParsers,
    log,
    concurrency: 1,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 1_000,
    maxOutputBytes: 1 << 20,
    maxPackages: 20_000,
  });
  const hosts = new HostService({
    dir: join(dir, 'hosts'),
    assets: {
      all: () => assets.all(),
      byId: (id) => assets.byId(id),
      version: () => assets.version,
      onAssetsChanged: () => () => {},
    },
    targets: inventoryTargets(inventory),
    findings: hostFindings(inventory, undefined),
    log,
  });
  await inventory.start();
  await hosts.start();
  t.after(async () => {
    await hosts.stop();
    await inventory.stop();
    await assets.stop();
  });
  return { inventory, hosts };
};

test('an old data directory loads and joins: one host per machine, every file under its id', async (t) => {
  const dir = await tempDir(t);
  await oldDataDir(dir);
  const { inventory, hosts } = await open(t, dir);

  const files = hosts.byMac('02:50:44:00:00:05')!;
  const six = hosts.byMac('02:50:44:00:00:06')!;
  const labX = (await hosts.resolve('lab-x'))!;
  const orphan = (await hosts.resolve('10.0.0.99'))!;
  assert.equal(hosts.list().length, 4, 'two machines found by scans, two known only from inventory');
  assert.equal(labX.address, '10.0.0.7');
  assert.equal(orphan.address, '10.0.0.99');
  assert.equal(hosts.label(files.id), 'files.lan');
  // Old ids keep resolving: the address, the asset id typed on the old form, the technician's name.
  assert.equal((await hosts.resolve('10.0.0.5'))?.id, files.id);
  assert.equal((await hosts.resolve('m-025044000006'))?.id, six.id);

  const creds = await inventory.credentials.list();
  assert.deepEqual(creds.map((c) => c.hostId).sort(), [files.id, six.id, labX.id].sort());
  assert.equal((await inventory.credentials.get(files.id))?.password, 'old password');
  assert.equal(
    (await inventory.knownHosts.get(files.id))?.pinned.fingerprint,
    fingerprintOf(fakeHostKey('five').blob),
  );
  assert.equal(
    (await inventory.knownHosts.get(six.id))?.pinned.fingerprint,
    fingerprintOf(fakeHostKey('six').blob),
  );
  assert.deepEqual(Object.keys(await inventory.knownHosts.all()).sort(), [files.id, six.id].sort());

  assert.deepEqual(await inventory.inventories.ids(), [files.id, six.id, orphan.id].sort());
  assert.equal((await inventory.inventories.get(files.id))?.hostId, files.id);
  assert.deepEqual(await inventory.attempts.ids(), [files.id]);
  assert.deepEqual(
    (await readdir(join(dir, 'inventory', 'hosts'))).filter((n) => !n.startsWith('h-')),
    [],
    'no file left under an old id',
  );

  const view = await hosts.view(files.id, { packages: 1, fixes: 1 });
  assert.equal(view.inventory?.packages.total, 1);
  assert.equal(view.target?.credential.address, '10.0.0.5');
});

test('a migration cut short finishes at the next start; a finished one changes nothing', async (t) => {
  const dir = await tempDir(t);
  await oldDataDir(dir);
  // As if the last start died after filing lab-x's pin under its host, before its credentials.
  await json(join(dir, 'hosts', 'directory.json'), {
    version: 1,
    hosts: [
      {
        id: 'h-00000000aa',
        createdAt: AT,
        mac: null,
        assetId: null,
        address: '10.0.0.7',
        aliases: ['lab-x'],
        lastMove: null,
        events: [{ at: AT, kind: 'created', detail: 'adopted from data filed as lab-x' }],
      },
    ],
  });
  await json(join(dir, 'inventory', 'known-hosts.json'), {
    version: 1,
    hosts: { '10.0.0.5:22': pin('five'), '10.0.0.6:22': pin('six'), 'h-00000000aa': pin('seven') },
  });
  const first = await open(t, dir);
  assert.equal((await first.inventory.credentials.get('h-00000000aa'))?.address, '10.0.0.7');
  assert.equal(
    (await first.inventory.knownHosts.get('h-00000000aa'))?.pinned.fingerprint,
    fingerprintOf(fakeHostKey('seven').blob),
  );
  const ids = first.hosts
    .list()
    .map((h) => h.id)
    .sort();
  await first.hosts.stop();
  await first.inventory.stop();

  const second = await open(t, dir);
  assert.deepEqual(
    second.hosts
      .list()
      .map((h) => h.id)
      .sort(),
    ids,
  );
  assert.equal((await second.inventory.credentials.list()).length, 3);
});
