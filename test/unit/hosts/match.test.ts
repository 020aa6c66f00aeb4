/**
 * Which machine is this asset? The folding rules of the host directory, on plain records: one host
 * per machine across scans, a DHCP move keeps the host (and is reported so its target follows),
 * a machine known first by address is linked when its MAC shows up, and a different machine at a
 * known address is never merged into it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostIndex } from '../../../daemon/hosts/host-index.js';
import { type HostRecord, newHost } from '../../../daemon/hosts/host-record.js';
import { foldAssets, type SeenAsset } from '../../../daemon/hosts/match.js';

const T1 = new Date('2026-12-01T10:00:00Z');
const T2 = new Date('2026-12-02T10:00:00Z');
const MAC = '02:50:44:00:00:05';

const fold = (hosts: HostRecord[], assets: SeenAsset[], now = T1) =>
  foldAssets(hosts, new HostIndex(hosts), assets, now);

test('one host per machine; a second scan of the same machines changes nothing', () => {
  const hosts: HostRecord[] = [];
  const scan = [
    { id: `m-${MAC.replaceAll(':', '')}`, mac: MAC, ip: '10.0.0.5' },
    { id: 'ip-10.0.0.9', mac: null, ip: '10.0.0.9' },
  ];
  assert.deepEqual(fold(hosts, scan, T1), []);
  assert.equal(hosts.length, 2);
  const before = JSON.stringify(hosts);
  assert.deepEqual(fold(hosts, scan, T2), []);
  assert.equal(JSON.stringify(hosts), before);
});

test('a DHCP move keeps the host, records the move and reports it', () => {
  const hosts: HostRecord[] = [];
  const id = `m-${MAC.replaceAll(':', '')}`;
  fold(hosts, [{ id, mac: MAC, ip: '10.0.0.5' }]);
  const hostId = hosts[0]!.id;
  const moves = fold(hosts, [{ id, mac: MAC, ip: '10.0.0.77' }], T2);
  assert.deepEqual(moves, [{ hostId, from: '10.0.0.5', to: '10.0.0.77' }]);
  assert.equal(hosts.length, 1);
  assert.equal(hosts[0]!.address, '10.0.0.77');
  assert.deepEqual(hosts[0]!.lastMove, { from: '10.0.0.5', to: '10.0.0.77', at: T2.toISOString() });
  assert.deepEqual(
    hosts[0]!.events.map((e) => e.kind),
    ['created', 'moved'],
  );
});

test('the MAC wins over the asset id: a machine is found by MAC even under a new asset record', () => {
  const hosts: HostRecord[] = [];
  fold(hosts, [{ id: 'ip-10.0.0.5', mac: null, ip: '10.0.0.5' }]);
  const hostId = hosts[0]!.id;
  // The same machine answers ARP now: discovery folds its ip-only asset into m-<mac>.
  fold(hosts, [{ id: 'm-025044000005', mac: MAC, ip: '10.0.0.5' }], T2);
  assert.equal(hosts.length, 1);
  assert.equal(hosts[0]!.id, hostId);
  assert.equal(hosts[0]!.mac, MAC);
  assert.equal(hosts[0]!.assetId, 'm-025044000005');
  assert.deepEqual(hosts[0]!.aliases, ['ip-10.0.0.5'], 'the old asset id still finds it');
});

test('a machine known by address (SSH access given first) is linked when a scan finds it', () => {
  const hosts = [
    newHost({ mac: null, assetId: null, address: '10.0.0.5' }, T1, 'added by address', 'h-aaaaaaaaaa'),
  ];
  fold(hosts, [{ id: 'm-025044000005', mac: MAC, ip: '10.0.0.5' }], T2);
  assert.equal(hosts.length, 1);
  assert.equal(hosts[0]!.id, 'h-aaaaaaaaaa');
  assert.equal(hosts[0]!.assetId, 'm-025044000005');
});

test("without its MAC at a known machine's address it is the same machine; another MAC is another", () => {
  const hosts: HostRecord[] = [];
  fold(hosts, [{ id: 'm-025044000005', mac: MAC, ip: '10.0.0.5' }]);
  fold(hosts, [{ id: 'ip-10.0.0.5', mac: null, ip: '10.0.0.5' }], T2);
  assert.equal(hosts.length, 1);
  assert.deepEqual(hosts[0]!.aliases, ['ip-10.0.0.5']);
  // A different NIC at that address (the old machine gone, a new one on its lease): a new host.
  fold(hosts, [{ id: 'm-025044000006', mac: '02:50:44:00:00:06', ip: '10.0.0.5' }], T2);
  assert.equal(hosts.length, 2);
  assert.notEqual(hosts[1]!.id, hosts[0]!.id);
});

test('a machine known by host name is linked by the name a scan saw, without a move', () => {
  const hosts = [
    newHost({ mac: null, assetId: null, address: 'nas.lan' }, T1, 'added by address', 'h-bbbbbbbbbb'),
  ];
  const moves = fold(hosts, [{ id: 'm-025044000005', mac: MAC, ip: '10.0.0.5', names: ['nas.lan'] }], T2);
  assert.deepEqual(moves, [], 'its SSH access keeps using the name');
  assert.equal(hosts.length, 1);
  assert.equal(hosts[0]!.address, '10.0.0.5');
  assert.deepEqual(hosts[0]!.aliases, ['nas.lan']);
  assert.equal(hosts[0]!.lastMove, null);
});
