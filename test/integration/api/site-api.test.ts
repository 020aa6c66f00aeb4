/**
 * The console API over a real site: discovery finds three machines on the (fake) LAN, two are
 * inventoried over (fake) SSH against a real Debian tracker snapshot, and the summary, the hosts
 * and the missing fixes a console pulls say the same as the services, in the documented shapes.
 * Bad paging input gets a 400 that says what to do; huge limits are clamped.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import {
  type ApiHost,
  type ApiMissingFix,
  changePageSchema,
  hostSchema,
  missingFixSchema,
  pageSchema,
  siteSummarySchema,
} from '../../../daemon/api/contract.js';
import { encodeCursor } from '../../../daemon/api/cursor.js';
import { ManualClock } from '../../fakes/clock.js';
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

const site = async (t: TestContext, clock?: ManualClock) => {
  let s!: RealSite;
  const h = await apiHarness(t, {
    ...(clock ? { clock } : {}),
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
    byStanding: { compliant: 1, 'at-risk': 1, 'not-covered': 0, 'not-inventoried': 1 },
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

test('the change feed: a full pull, then only the host that changed, with its new fix; 400 and 410 say why', async (t) => {
  const clock = new ManualClock();
  const { h, s, get } = await site(t, clock);
  const full = changePageSchema.parse((await get('/api/v1/changes?since=0')).body);
  assert.equal(full.items.length, 3);
  assert.equal(full.more, false);
  const clean = s.hosts.byAddress('10.0.0.6')!.id;
  assert.deepEqual(full.items.find((i) => i.id === clean)?.missingFixes, []);
  assert.deepEqual((await get(`/api/v1/changes?since=${full.next}`)).body.items, [], 'nothing changed yet');

  // The patched host is downgraded: the next look finds it, and only it.
  s.runner.hosts.delete('10.0.0.6:22');
  const key = await s.inventory.keys.get();
  s.runner.add(
    '10.0.0.6',
    22,
    fakeHost(
      { ...debian, packages: [['dpkg-query', ok(vulnerable.join('\n'))]] },
      key.privateKey,
      '10.0.0.6',
    ),
  );
  await s.inventory.collect((await s.inventory.credentials.get(clean))!);
  s.assess.invalidate();
  await clock.advance(10_000);
  const later = changePageSchema.parse((await get(`/api/v1/changes?since=${full.next}`)).body);
  assert.deepEqual(
    later.items.map((i) => i.id),
    [clean],
  );
  assert.equal(later.items[0]!.host?.standing, 'at-risk');
  assert.deepEqual(
    later.items[0]!.missingFixes?.map((f) => f.advisoryId),
    ['CVE-2024-8176'],
  );
  assert.ok(later.items[0]!.seq > full.next);

  const refused = async (since: string, status: number, detail: RegExp) => {
    const res = await get(`/api/v1/changes?since=${since}`);
    assert.equal(res.status, status, since);
    assert.match(String(res.body.detail), detail);
  };
  await refused('yesterday', 400, /^since: expected a sequence number/);
  await refused(String(later.next + 1000), 400, /^since: \d+ is from the future/);

  // The feed's file is lost: a new numbering starts above the old, and an old since is told to pull again.
  await h.api.changes.stop();
  await rm(join(h.dataDir, 'api', 'changes.json'));
  await clock.advance(1000);
  await h.api.changes.start();
  await refused(
    String(later.next),
    410,
    /^since: changes up to \d+ are no longer kept; pull again from since=0/,
  );
  const again = changePageSchema.parse((await get('/api/v1/changes?since=0')).body);
  assert.equal(again.items.length, 3);
  assert.notEqual(again.epoch, full.epoch);
});
