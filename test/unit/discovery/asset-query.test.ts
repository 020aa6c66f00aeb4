import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Asset } from '../../../daemon/discovery/asset.js';
import { assetQuerySchema, queryAssets } from '../../../daemon/discovery/asset-query.js';
import { DEVICE_CLASSES } from '../../../daemon/discovery/classify.js';

const make = (i: number): Asset => ({
  id: `m-${i.toString(16).padStart(12, '0')}`,
  mac: i
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?!$)/g, '$1:'),
  ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  ipHistory: [],
  vendor: ['Brother industries, LTD.', 'Dell Inc.', 'Apple, Inc.'][i % 3]!,
  hostnames: [`host-${i}.lan`],
  services: [],
  openPorts: [],
  banners: {},
  deviceClass: DEVICE_CLASSES[i % DEVICE_CLASSES.length]!,
  os: null,
  model: null,
  evidence: [],
  seenBy: ['icmp'],
  firstSeen: new Date(1e12 + i * 1000).toISOString(),
  lastSeen: new Date(1e12 + i * 1000).toISOString(),
  online: i % 4 !== 0,
  isNew: i % 10 === 0,
  tags: i === 4242 ? ['finance'] : [],
  notes: '',
  lastScanId: null,
  events: [],
});

const assets = Array.from({ length: 5000 }, (_, i) => make(i + 1));
const hay = new Map(
  assets.map((a) => [a.id, [a.ip, a.mac, a.vendor, ...a.hostnames, ...a.tags].join(' ').toLowerCase()]),
);
const run = (q: Record<string, string>) =>
  queryAssets(assets, (id) => hay.get(id)!, assetQuerySchema.parse(q));

test('pages through 5,000 assets in address order by default', () => {
  const p1 = run({});
  assert.equal(p1.total, 5000);
  assert.equal(p1.pages, 100);
  assert.equal(p1.items.length, 50);
  assert.equal(p1.items[0]?.ip, '10.0.0.1');
  assert.equal(p1.items[1]?.ip, '10.0.0.2');
  const last = run({ page: '100' });
  assert.equal(last.items.at(-1)?.ip, '10.0.19.136');
  assert.equal(run({ page: '999' }).page, 100, 'a page past the end shows the last page');
});

test('search matches every term across address, MAC, vendor, name and tags', () => {
  assert.deepEqual(
    run({ q: 'finance' }).items.map((a) => a.hostnames[0]),
    ['host-4242.lan'],
  );
  const expected = assets.filter(
    (a) => a.hostnames[0]!.includes('host-41') && a.vendor!.startsWith('Brother'),
  ).length;
  assert.ok(expected > 0);
  assert.equal(run({ q: 'brother host-41' }).total, expected);
  assert.equal(run({ q: '10.0.0.7 ' }).items[0]?.ip, '10.0.0.7');
});

test('filters by class, vendor and status combine', () => {
  const r = run({ class: 'printer', vendor: 'dell', status: 'online', pageSize: '500' });
  assert.ok(r.total > 0);
  assert.ok(r.items.every((a) => a.deviceClass === 'printer' && a.vendor === 'Dell Inc.' && a.online));
  assert.equal(run({ status: 'new' }).total, 500);
  assert.equal(run({ status: 'offline' }).total, 1250);
});

test('sorts by any column both ways, ties broken by address', () => {
  const desc = run({ sort: 'lastSeen', dir: 'desc' });
  assert.equal(desc.items[0]?.hostnames[0], 'host-5000.lan');
  const vendor = run({ sort: 'vendor' });
  assert.equal(vendor.items[0]?.vendor, 'Apple, Inc.');
  assert.equal(vendor.items[0]?.ip, '10.0.0.2');
});

test('bad list parameters are rejected by the schema', () => {
  assert.equal(assetQuerySchema.safeParse({ sort: 'password' }).success, false);
  assert.equal(assetQuerySchema.safeParse({ page: '-1' }).success, false);
  assert.equal(assetQuerySchema.safeParse({ class: 'toaster' }).success, false);
});

test('a machine without a network name is found and sorted by the name it reports at inventory', () => {
  const nameless = [make(1), make(2), make(3)].map((a) => ({ ...a, hostnames: [] }));
  const hay3 = new Map(nameless.map((a) => [a.id, `${a.ip} ${a.mac}`]));
  const reported = new Map([
    [nameless[0]!.id, 'pilot2'],
    [nameless[2]!.id, 'Pilot1'],
  ]);
  const q = (query: Record<string, string>) =>
    queryAssets(
      nameless,
      (id) => hay3.get(id)!,
      assetQuerySchema.parse(query),
      (id) => reported.get(id),
    );
  assert.deepEqual(
    q({ q: 'pilot1' }).items.map((a) => a.ip),
    ['10.0.0.3'],
    'found by the reported name, case-insensitively',
  );
  assert.deepEqual(
    q({ sort: 'name', dir: 'asc' }).items.map((a) => a.ip),
    ['10.0.0.2', '10.0.0.3', '10.0.0.1'],
    'unnamed first, then pilot1, pilot2',
  );
});
