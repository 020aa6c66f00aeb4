import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Asset, isThisAppliance, MAX_HOSTNAMES } from '../../../daemon/discovery/asset.js';
import { type AssetLookup, mergeScan } from '../../../daemon/discovery/merge.js';
import type { Observation } from '../../../daemon/discovery/scanner.js';
import { sampleObservation } from '../../sample-observation.js';

const obs = (ip: string, mac: string | null, extra: Partial<Observation> = {}): Observation =>
  sampleObservation({ ip, mac, ...extra });

const lookup = (assets: Asset[]): AssetLookup => {
  const m = new Map(assets.map((a) => [a.id, a]));
  return { byId: (id) => m.get(id), byIp: (ip) => assets.filter((a) => a.ip === ip), all: () => m.values() };
};

const t1 = new Date('2026-01-01T10:00:00Z');
const t2 = new Date('2026-01-01T11:00:00Z');

test('new devices are created by MAC, flagged new, with a discovered event', () => {
  const r = mergeScan(
    lookup([]),
    [obs('10.0.0.5', 'aa:bb:cc:00:00:01'), obs('10.0.0.6', null)],
    new Set(),
    'scan-1',
    t1,
  );
  assert.deepEqual(
    r.changed.map((a) => a.id),
    ['m-aabbcc000001', 'ip-10.0.0.6'],
  );
  assert.ok(r.changed.every((a) => a.isNew && a.online && a.events[0]?.kind === 'discovered'));
  assert.equal(r.counts.new, 2);
});

test('the appliance found in its own scope is listed but never new, even when an older scan flagged it', () => {
  const self = obs('10.0.0.2', 'aa:bb:cc:00:00:02', { evidence: ['this appliance'] });
  const r = mergeScan(lookup([]), [self, obs('10.0.0.5', null)], new Set(), 'scan-1', t1);
  assert.equal(r.counts.new, 1, 'only the other device is new');
  assert.equal(r.changed.find((a) => a.ip === '10.0.0.2')?.isNew, false);
  const flagged = r.changed.map((a) => ({ ...a, isNew: true }));
  const again = mergeScan(lookup(flagged), [self], new Set(['10.0.0.2']), 'scan-2', t2);
  assert.equal(again.changed.find((a) => a.ip === '10.0.0.2')?.isNew, false);
});

test('a device that moved keeps its identity, tags and notes, and records the IP change', () => {
  const first = mergeScan(
    lookup([]),
    [obs('10.0.0.5', 'aa:bb:cc:00:00:01')],
    new Set(),
    'scan-1',
    t1,
  ).changed;
  first[0]!.tags = ['finance'];
  first[0]!.notes = 'CFO laptop';
  const r = mergeScan(
    lookup(first),
    [obs('10.0.0.9', 'aa:bb:cc:00:00:01')],
    new Set(['10.0.0.5', '10.0.0.9']),
    'scan-2',
    t2,
  );
  const a = r.changed[0]!;
  assert.equal(a.ip, '10.0.0.9');
  assert.deepEqual(a.tags, ['finance']);
  assert.equal(a.notes, 'CFO laptop');
  assert.deepEqual(
    a.ipHistory.map((h) => h.ip),
    ['10.0.0.5', '10.0.0.9'],
  );
  assert.equal(a.events.at(-1)?.kind, 'ip-changed');
  assert.equal(r.counts.ipChanged, 1);
  assert.equal(r.counts.new, 0);
  assert.equal(a.firstSeen, t1.toISOString());
});

test('unseen assets inside the scanned range go offline; ones outside it are left alone', () => {
  const base = mergeScan(
    lookup([]),
    [obs('10.0.0.5', 'aa:bb:cc:00:00:01'), obs('10.0.1.5', 'aa:bb:cc:00:00:02')],
    new Set(),
    's1',
    t1,
  ).changed;
  const r = mergeScan(lookup(base), [], new Set(['10.0.0.5']), 's2', t2);
  assert.deepEqual(
    r.changed.map((a) => [a.id, a.online, a.events.at(-1)?.kind]),
    [['m-aabbcc000001', false, 'offline']],
  );
  const back = mergeScan(
    lookup(r.changed),
    [obs('10.0.0.5', 'aa:bb:cc:00:00:01')],
    new Set(['10.0.0.5']),
    's3',
    t2,
  );
  assert.equal(back.changed[0]?.events.at(-1)?.kind, 'online');
});

test('an IP-only record is folded into the MAC record once the MAC is known', () => {
  const ipOnly = mergeScan(lookup([]), [obs('10.0.0.7', null)], new Set(), 's1', t1).changed;
  ipOnly[0]!.tags = ['keep'];
  const r = mergeScan(
    lookup(ipOnly),
    [obs('10.0.0.7', 'aa:bb:cc:00:00:07')],
    new Set(['10.0.0.7']),
    's2',
    t2,
  );
  assert.deepEqual(r.removed, ['ip-10.0.0.7']);
  assert.deepEqual(r.changed[0]?.tags, ['keep']);
  assert.equal(r.changed[0]?.firstSeen, t1.toISOString());
});

test('a later scan that cannot classify keeps the earlier class and evidence', () => {
  const first = mergeScan(
    lookup([]),
    [obs('10.0.0.5', 'aa:bb:cc:00:00:01', { deviceClass: 'printer', evidence: ['port 9100 open'] })],
    new Set(),
    's1',
    t1,
  ).changed;
  const r = mergeScan(lookup(first), [obs('10.0.0.5', 'aa:bb:cc:00:00:01')], new Set(['10.0.0.5']), 's2', t2);
  assert.equal(r.changed[0]?.deviceClass, 'printer');
  assert.deepEqual(r.changed[0]?.evidence, ['port 9100 open']);
});

test('a host answering mDNS with new names every scan keeps a bounded list: the names seen now first, then earlier ones', () => {
  // Every name ever heard was kept (a union): a LAN host announcing thousands of made-up names
  // per scan (the mDNS cache holds 4,096) grew its asset, or any in-scope address it named, by as
  // many every scan, for ever: the assets file and the daemon's memory with it.
  const mac = 'aa:bb:cc:00:00:07';
  let assets: Asset[] = [];
  for (let scan = 0; scan < 20; scan++) {
    const names = Array.from({ length: 500 }, (_, i) => `s${scan}-n${String(i).padStart(3, '0')}.local`);
    const r = mergeScan(
      lookup(assets),
      [obs('10.0.0.7', mac, { hostnames: names.sort() })],
      new Set(),
      `scan-${scan}`,
      t1,
    );
    assets = r.changed;
  }
  const names = assets[0]!.hostnames;
  assert.equal(names.length, MAX_HOSTNAMES);
  assert.ok(
    names.every((n) => n.startsWith('s19-')),
    'the latest scan names the host',
  );
  assert.deepEqual(names, [...names].sort());
  // A scan that heard fewer names keeps earlier ones to fill the list: a scan missing mDNS loses none.
  const quiet = mergeScan(
    lookup(assets),
    [obs('10.0.0.7', mac, { hostnames: ['printer.local'] })],
    new Set(),
    'q',
    t2,
  );
  const kept = quiet.changed[0]!.hostnames;
  assert.equal(kept.length, MAX_HOSTNAMES);
  assert.ok(kept.includes('printer.local'));
  const plain = mergeScan(
    lookup([]),
    [obs('10.0.0.8', null, { hostnames: ['b.local', 'a.lan'] })],
    new Set(),
    'p',
    t2,
  );
  assert.deepEqual(plain.changed[0]!.hostnames, ['a.lan', 'b.local']);
});

test("'this appliance' is said of what the latest scan found at one of the appliance's addresses, never kept for another device", () => {
  // The evidence of a known class was kept when a scan could not classify: the appliance on a
  // link without MACs (a tunnel; its asset keyed by address) moved, and the silent host that took
  // its old address was listed as this appliance, never new, never offered SSH management.
  const self = obs('10.0.0.2', null, { deviceClass: 'server', evidence: ['this appliance', 'SSH → server'] });
  const first = mergeScan(lookup([]), [self], new Set(), 'scan-1', t1).changed;
  assert.ok(isThisAppliance(first[0]!));
  const other = mergeScan(
    lookup(first),
    [obs('10.0.0.2', null)],
    new Set(['10.0.0.2']),
    'scan-2',
    t2,
  ).changed;
  assert.equal(other[0]!.deviceClass, 'server', 'what is known of the address stays');
  assert.deepEqual(other[0]!.evidence, ['SSH → server']);
  assert.equal(isThisAppliance(other[0]!), false);
  // A LAN host cloning the appliance's MAC at another address is not the appliance either.
  const mac = 'aa:bb:cc:00:00:02';
  const clone = mergeScan(
    lookup([]),
    [obs('10.0.0.2', mac, { deviceClass: 'server', evidence: ['this appliance'] }), obs('10.0.0.66', mac)],
    new Set(),
    'scan-3',
    t2,
  ).changed;
  assert.equal(clone.length, 1);
  assert.equal(isThisAppliance(clone[0]!), clone[0]!.ip === '10.0.0.2', `at ${clone[0]!.ip}`);
});
