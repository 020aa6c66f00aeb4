/**
 * The console API over a real site: discovery finds three machines on the (fake) LAN, two are
 * inventoried over (fake) SSH against a real Debian tracker snapshot, and the summary, the hosts
 * and the missing fixes a console pulls say the same as the services, in the documented shapes.
 * Bad paging input gets a 400 that says what to do; huge limits are clamped.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import {
  type ApiHost,
  type ApiMissingFix,
  hostSchema,
  missingFixSchema,
  pageSchema,
  siteSummarySchema,
} from '../../../daemon/api/contract.js';
import { encodeCursor } from '../../../daemon/api/cursor.js';
import { debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { ok } from '../../fakes/inventory-runner.js';
import { type RealSite, realSite } from '../support/real-site.js';
import { apiHarness } from './api-harness.js';

const vulnerable = [
  'ii \tlibexpat1\t2.5.0-1\tamd64\texpat\t2.5.0-1',
  'ii \tbash\t5.2.15-2\tamd64\tbash\t5.2.15-2',
  '',
];
const patched = ['ii \tlibexpat1\t2.5.0-1+deb12u2\tamd64\texpat\t2.5.0-1+deb12u2', ''];
const ssh = { open: [22], banners: { 22: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' } };

const site = async (t: TestContext) => {
  let s!: RealSite;
  const h = await apiHarness(t, {
    sources: {
      get discovery() {
        return s.discovery;
      },
      get assess() {
        return s.assess;
      },
      get catalog() {
        return s.catalog;
      },
      get hosts() {
        return s.hosts;
      },
    },
  });
  // The API module reads its sources lazily; the site is built over the same data dir.
  s = await realSite(
    t,
    { dataDir: h.dataDir, store: h.store, log: h.log, jobs: h.jobs, scheduler: h.scheduler },
    [
      { ip: '10.0.0.5', mac: '02:00:00:00:00:05', ...ssh },
      { ip: '10.0.0.6', mac: '02:00:00:00:00:06', ...ssh },
      { ip: '10.0.0.7', mac: '02:00:00:00:00:07', open: [631] },
    ],
  );
  await s.discovery.createScope({
    name: 'LAN',
    include: ['10.0.0.0/24'],
    exclude: [],
    everyMinutes: null,
    enabled: true,
  });
  await s.discovery.startScan(s.discovery.scopes()[0]!.id);
  await s.discovery.idle();
  await s.hosts.settled();
  await s.catalog.syncNow(['debian']);
  const key = await s.inventory.keys.get();
  for (const [ip, lines] of [
    ['10.0.0.5', vulnerable],
    ['10.0.0.6', patched],
  ] as const) {
    s.runner.add(
      ip,
      22,
      fakeHost({ ...debian, packages: [['dpkg-query', ok(lines.join('\n'))]] }, key.privateKey, ip),
    );
    const machine = await s.hosts.manage({ address: ip, username: 'root', port: 22 });
    await s.inventory.collect((await s.inventory.credentials.get(machine.id))!);
  }
  s.assess.invalidate();
  const token = await h.makeToken(['console:read']);
  const get = async (path: string) => {
    const res = await h.call(path, token);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { h, s, get, token };
};

test('summary, hosts and missing fixes agree with the site and match the contract', async (t) => {
  const { s, get } = await site(t);
  const idOf = (ip: string) => s.hosts.byAddress(ip)!.id;

  const summary = siteSummarySchema.parse((await get('/api/v1/summary')).body);
  assert.deepEqual(summary.devices, { total: 3, online: 3, new: 3, scanning: false });
  assert.deepEqual(summary.hosts, {
    total: 3,
    byStanding: { compliant: 1, 'at-risk': 1, 'missing-fixes': 0, 'not-covered': 0, 'not-inventoried': 1 },
  });
  assert.deepEqual(summary.compliance, { percent: 50, compliant: 1, assessed: 2, notCovered: 0 });
  assert.equal(summary.missingFixes?.total, 1);
  assert.equal(summary.missingFixes?.bySeverity.high, 1);
  assert.equal(summary.hostsAtRisk, 1);
  assert.deepEqual(summary.feeds.synced, 1);
  assert.equal(summary.deployments, null, 'deployments are off here');

  const hosts = pageSchema(hostSchema, 'HostPage').parse((await get('/api/v1/hosts')).body);
  assert.deepEqual(
    hosts.items.map((x) => x.id),
    [idOf('10.0.0.5'), idOf('10.0.0.6'), idOf('10.0.0.7')].sort(),
  );
  const byIp = (ip: string) => hosts.items.find((x) => x.address === ip) as ApiHost;
  assert.deepEqual(
    [byIp('10.0.0.5').standing, byIp('10.0.0.6').standing, byIp('10.0.0.7').standing],
    ['at-risk', 'compliant', 'not-inventoried'],
  );
  assert.equal(byIp('10.0.0.5').release, 'debian:bookworm');
  assert.equal(byIp('10.0.0.5').packages, 2);
  assert.equal(byIp('10.0.0.5').missingFixes?.bySeverity.high, 1);
  assert.equal(byIp('10.0.0.7').online, true);
  assert.equal(byIp('10.0.0.7').mac, '02:00:00:00:00:07');

  const fixes = pageSchema(missingFixSchema, 'MissingFixPage').parse(
    (await get('/api/v1/missing-fixes')).body,
  );
  assert.equal(fixes.items.length, 1);
  const fix = fixes.items[0] as ApiMissingFix;
  assert.deepEqual(
    [fix.hostId, fix.advisoryId, fix.package, fix.installed, fix.fixed, fix.severity],
    [idOf('10.0.0.5'), 'CVE-2024-8176', 'expat', '2.5.0-1', '2.5.0-1+deb12u2', 'high'],
  );
  const count = async (query: string) =>
    ((await get(`/api/v1/missing-fixes?${query}`)).body.items as unknown[]).length;
  assert.equal(await count('advisory=CVE-2024-8176'), 1);
  assert.equal(await count(`host=${idOf('10.0.0.5')}`), 1);
  assert.equal(await count(`host=${idOf('10.0.0.6')}`), 0);
  assert.equal(await count('severity=high'), 1);
  assert.equal(await count('severity=low'), 0);
});

test('a console walks the hosts page by page; garbage and future cursors get 400, huge limits are clamped', async (t) => {
  const { get } = await site(t);
  const seen: string[] = [];
  let path = '/api/v1/hosts?limit=1';
  for (;;) {
    const page = (await get(path)).body as { items: ApiHost[]; next: string | null; limit: number };
    assert.equal(page.limit, 1);
    seen.push(...page.items.map((x) => x.id));
    if (!page.next) break;
    path = `/api/v1/hosts?limit=1&after=${page.next}`;
  }
  assert.equal(seen.length, 3);
  assert.deepEqual(seen, [...seen].sort());

  assert.equal((await get('/api/v1/hosts?limit=99999999')).body.limit, 500);
  const refused = async (query: string, detail: RegExp) => {
    const res = await get(`/api/v1/${query}`);
    assert.equal(res.status, 400, query);
    assert.match(String(res.body.detail), detail, query);
  };
  await refused(
    'hosts?after=%00%01garbage',
    /^after: not a cursor this appliance gave out; pass the "next" value/,
  );
  await refused('hosts?after=eyJ2IjoxfQ', /^after: not a cursor this appliance gave out/);
  await refused(
    `hosts?after=${encodeCursor(['h-ffffffffff'], Date.now() + 86_400_000)}`,
    /^after: a cursor from the future/,
  );
  await refused(
    `missing-fixes?after=${encodeCursor(['h-ffffffffff'], Date.now())}`,
    /^after: a cursor of another list/,
  );
  await refused('hosts?limit=lots', /^limit: expected a whole number/);
  await refused('missing-fixes?severity=apocalyptic', /^severity: /);
});
