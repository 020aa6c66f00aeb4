/**
 * The host directory as a service, over a real InventoryService (fake SSH hosts) and in-memory
 * assets: a DHCP move keeps one host and its history and the SSH target follows it; the pinned
 * key is the second witness (the same key confirms the machine, a different one stops it until
 * an administrator accepts it); SSH access given by address never makes a second row.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { DepotError } from '../../../daemon/errors.js';
import { HostService } from '../../../daemon/hosts/host-service.js';
import { hostFindings, inventoryTargets } from '../../../daemon/hosts/hosts-module.js';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import { HostKeyChangedError } from '../../../daemon/remote/remote-error.js';
import { fingerprintOf } from '../../../daemon/remote/ssh-key-format.js';
import { asset, MemoryAssets } from '../../fakes/host-assets.js';
import { debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { FakeRunner, fakeHostKey } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const MAC = '02:50:44:00:00:05';
const page = { packages: 1, fixes: 1 };

const setup = async (t: TestContext) => {
  const dir = await tempDir(t);
  const log = memoryLogger();
  const runner = new FakeRunner();
  const inventory = new InventoryService({
    dir: join(dir, 'inventory'),
    runner,
    parsers: inventoryParsers,
    log,
    concurrency: 2,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 1_000,
    maxOutputBytes: 1 << 20,
    maxPackages: 20_000,
  });
  const assets = new MemoryAssets();
  const hosts = new HostService({
    dir: join(dir, 'hosts'),
    assets,
    targets: inventoryTargets(inventory),
    findings: hostFindings(inventory, undefined),
    log,
  });
  await inventory.start();
  await hosts.start();
  t.after(async () => {
    await hosts.stop();
    await inventory.stop();
  });
  const key = await inventory.keys.get();
  const scan = async (ip: string) => {
    assets.scan([asset({ mac: MAC, ip })]);
    await hosts.settled();
  };
  const collect = async (hostId: string) => inventory.collect((await inventory.credentials.get(hostId))!);
  return { dir, runner, inventory, hosts, assets, key, scan, collect };
};

test('a DHCP move keeps one host and its history; the target follows and the same key confirms it', async (t) => {
  const h = await setup(t);
  await h.scan('10.0.0.5');
  const host = h.hosts.byMac(MAC)!;
  const machine = fakeHost(debian, h.key.privateKey, 'the-machine');
  h.runner.add('10.0.0.5', 22, machine);
  await h.hosts.manage({ host: host.id, username: 'root' });
  assert.equal((await h.collect(host.id)).hostId, host.id);

  // The lease changes: same MAC, new address; the machine (and its key) goes with it.
  h.runner.hosts.delete('10.0.0.5:22');
  h.runner.add('10.0.0.77', 22, machine);
  await h.scan('10.0.0.77');
  assert.equal(h.hosts.list().length, 1, 'still one machine');
  assert.equal(h.hosts.byAddress('10.0.0.77')?.id, host.id);
  assert.equal((await h.inventory.credentials.get(host.id))?.address, '10.0.0.77', 'the target followed');
  const moved = await h.hosts.view(host.id, page);
  assert.equal(moved.identity.state, 'pending');
  assert.deepEqual(
    moved.host.events.map((e) => [e.kind, e.detail]),
    [
      ['created', 'discovered at 10.0.0.5'],
      ['moved', `10.0.0.5 → 10.0.0.77 (same MAC ${MAC})`],
    ],
  );
  assert.equal(moved.inventory?.packages.total, 4, 'its inventory stays with it');

  await h.collect(host.id);
  const confirmed = await h.hosts.view(host.id, page);
  assert.equal(confirmed.identity.state, 'confirmed');
  assert.equal(confirmed.target?.attempt?.address, '10.0.0.77');
  assert.deepEqual(await h.inventory.inventories.ids(), [host.id]);
});

test('a machine at the new address with another host key is refused until an administrator accepts it', async (t) => {
  const h = await setup(t);
  await h.scan('10.0.0.5');
  const host = h.hosts.byMac(MAC)!;
  h.runner.add('10.0.0.5', 22, fakeHost(debian, h.key.privateKey, 'the-machine'));
  await h.hosts.manage({ host: host.id, username: 'root', password: 'the root password' });
  await h.collect(host.id);

  // Something else answers with the machine's MAC at the new address: another key.
  const impostor = fakeHost(debian, h.key.privateKey, 'impostor');
  h.runner.add('10.0.0.77', 22, impostor);
  await h.scan('10.0.0.77');
  const commandsBefore = h.runner.commands.length;
  for (let i = 0; i < 2; i++) {
    await assert.rejects(h.collect(host.id), (e: unknown) => {
      assert.ok(e instanceof HostKeyChangedError, String(e));
      assert.match(e.message, /HOST KEY CHANGED for 10\.0\.0\.77:22/);
      return true;
    });
  }
  assert.equal(h.runner.commands.length, commandsBefore, 'nothing ran on the impostor');
  const blocked = await h.hosts.view(host.id, page);
  assert.equal(blocked.identity.state, 'blocked');
  assert.equal(
    blocked.identity.state === 'blocked' && blocked.identity.presented,
    fingerprintOf(fakeHostKey('impostor').blob),
  );

  await h.inventory.acceptHostKey(host.id, fingerprintOf(fakeHostKey('impostor').blob));
  await h.collect(host.id);
  assert.equal((await h.hosts.view(host.id, page)).identity.state, 'confirmed');
});

test('SSH access given by address or by asset id lands on the machine; no second row', async (t) => {
  const h = await setup(t);
  await h.scan('10.0.0.5');
  const machine = h.hosts.byMac(MAC)!;
  assert.equal((await h.hosts.manage({ address: '10.0.0.5', username: 'root' })).id, machine.id);
  assert.equal(
    (await h.hosts.manage({ host: `m-${MAC.replaceAll(':', '')}`, username: 'admin' })).id,
    machine.id,
  );
  assert.equal((await h.inventory.credentials.list()).length, 1);
  assert.equal((await h.inventory.credentials.get(machine.id))?.username, 'admin');

  // An address no scan has seen makes a machine; the scan that later finds it links it.
  const byAddress = await h.hosts.manage({ address: '10.0.0.9', username: 'root' });
  h.assets.scan([asset({ mac: '02:50:44:00:00:09', ip: '10.0.0.9' })]);
  await h.hosts.settled();
  assert.equal(h.hosts.byMac('02:50:44:00:00:09')?.id, byAddress.id);
  assert.equal(h.hosts.list().length, 2);

  await assert.rejects(
    h.hosts.manage({ host: 'no-such-machine', username: 'root' }),
    (e: unknown) =>
      e instanceof DepotError && e.code === 'BAD_INPUT' && /^host: no known machine/.test(e.message),
  );
  await assert.rejects(h.hosts.manage({ address: '10.0.0.10', username: 'bad user!' }), /username: letters/);
  assert.equal(h.hosts.byAddress('10.0.0.10'), undefined, 'a refused form leaves no machine behind');
});

test('the directory survives a restart: same ids, same lookups', async (t) => {
  const h = await setup(t);
  await h.scan('10.0.0.5');
  const id = h.hosts.byMac(MAC)!.id;
  const again = new HostService({ dir: join(h.dir, 'hosts'), log: memoryLogger() });
  await again.start();
  assert.equal(again.get(id)?.address, '10.0.0.5');
  assert.equal(again.byMac(MAC.toUpperCase())?.id, id);
  assert.equal((await again.resolve(`m-${MAC.replaceAll(':', '')}`))?.id, id);
  assert.equal((await again.resolve('10.0.0.5'))?.id, id);
});

test('a machine no DNS or mDNS names is called what it reports itself; a network name comes first', async (t) => {
  const h = await setup(t);
  await h.scan('10.0.0.5');
  const host = h.hosts.byMac(MAC)!;
  h.runner.add('10.0.0.5', 22, fakeHost({ ...debian, hostname: 'pilot1\n' }, h.key.privateKey, 'pilot1'));
  await h.hosts.manage({ host: host.id, username: 'root' });
  assert.equal(h.hosts.label(host.id), '10.0.0.5', 'before its inventory: its address');
  assert.equal((await h.collect(host.id)).hostname, 'pilot1');
  await h.hosts.settled();
  assert.equal(h.hosts.label(host.id), 'pilot1');
  assert.equal((await h.hosts.view(host.id, page)).name, 'pilot1');

  // A DNS name beats an mDNS one, and both beat the name the machine reports.
  h.assets.scan([asset({ mac: MAC, ip: '10.0.0.5', hostnames: ['a-pilot.local', 'pilot1.branch.example'] })]);
  await h.hosts.settled();
  assert.equal(h.hosts.label(host.id), 'pilot1.branch.example');
  h.assets.scan([asset({ mac: MAC, ip: '10.0.0.5', hostnames: ['a-pilot.local'] })]);
  await h.hosts.settled();
  assert.equal(h.hosts.label(host.id), 'a-pilot.local');
});

test('a name the machine does not really report ((none), localhost, garbage) is not kept', async (t) => {
  const h = await setup(t);
  await h.scan('10.0.0.5');
  const host = h.hosts.byMac(MAC)!;
  await h.hosts.manage({ host: host.id, username: 'root' });
  for (const [i, reported] of ['(none)\n', 'localhost\n', 'a b\n', `${'x'.repeat(300)}\n`].entries()) {
    h.runner.hosts.delete('10.0.0.5:22');
    h.runner.add('10.0.0.5', 22, fakeHost({ ...debian, hostname: reported }, h.key.privateKey, 'same'));
    assert.equal((await h.collect(host.id)).hostname, undefined, `case ${i}`);
  }
  await h.hosts.settled();
  assert.equal(h.hosts.label(host.id), '10.0.0.5');
});

test('the directory keeps the reported name across a restart', async (t) => {
  const h = await setup(t);
  await h.scan('10.0.0.5');
  const host = h.hosts.byMac(MAC)!;
  h.runner.add('10.0.0.5', 22, fakeHost({ ...debian, hostname: 'broken' }, h.key.privateKey));
  await h.hosts.manage({ host: host.id, username: 'root' });
  await h.collect(host.id);
  await h.hosts.settled();
  const again = new HostService({ dir: join(h.dir, 'hosts'), log: memoryLogger() });
  await again.start();
  t.after(() => again.stop());
  assert.equal(again.label(host.id), 'broken');
});

test('a machine is found by the name it reports (any case), unless two machines report it', async (t) => {
  const h = await setup(t);
  await h.scan('10.0.0.5');
  const host = h.hosts.byMac(MAC)!;
  h.runner.add('10.0.0.5', 22, fakeHost({ ...debian, hostname: 'Pilot1' }, h.key.privateKey));
  await h.hosts.manage({ host: host.id, username: 'root' });
  await h.collect(host.id);
  await h.hosts.settled();
  assert.equal((await h.hosts.resolve('pilot1'))?.id, host.id);
  assert.equal((await h.hosts.resolve('PILOT1'))?.id, host.id);

  // A clone reporting the same name: neither is picked by that name.
  const clone = await h.hosts.manage({ address: '10.0.0.6', username: 'root' });
  h.runner.add('10.0.0.6', 22, fakeHost({ ...debian, hostname: 'pilot1' }, h.key.privateKey, 'clone'));
  await h.collect(clone.id);
  await h.hosts.settled();
  assert.equal(await h.hosts.resolve('pilot1'), undefined);
});
