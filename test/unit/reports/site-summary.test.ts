/** The site summary: the dashboard's figures from the services, and nothing where a service is absent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SiteCompliance } from '../../../daemon/assess/types.js';
import type { FeedStatus } from '../../../daemon/catalog/feed-status.js';
import type { Deployment, HostState } from '../../../daemon/deploy/deployment.js';
import { liveSummary } from '../../../daemon/deploy/deployment-summary.js';
import { type SiteSources, siteSummary } from '../../../daemon/reports/site-summary.js';

const compliance = (assessed: number): SiteCompliance => ({
  hosts: 3,
  assessed,
  uncovered: 0,
  compliant: 1,
  ratio: assessed ? 1 / assessed : undefined,
  missingFixes: 5,
  bySeverity: { critical: 1, high: 2, medium: 2, low: 0, negligible: 0, unknown: 0 },
  hostsAtRisk: 1,
  rebootRequired: 2,
});

const feed = (id: string, syncedAt?: string): FeedStatus => ({
  id,
  kind: 'debian-tracker',
  configured: true,
  enabled: true,
  advisories: 0,
  snapshot: syncedAt
    ? { feedId: id, kind: 'debian-tracker', origin: 'network', syncedAt, state: {}, bytes: 1 }
    : undefined,
});

const none = { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 };
const assessedHosts = [
  { hostId: 'h-0', covered: true, compliant: true, bySeverity: none },
  { hostId: 'h-1', covered: true, compliant: false, bySeverity: { ...none, critical: 1 } },
  { hostId: 'h-2', covered: true, compliant: false, bySeverity: { ...none, low: 2 } },
  { hostId: 'h-3', covered: false, compliant: false, bySeverity: none },
];

const deployment = (state: Deployment['state'], outcomes: Array<HostState['outcome']>) =>
  liveSummary({
    state,
    hosts: outcomes.map((outcome) => ({ outcome, phase: 'done' }) as HostState),
  } as Deployment);

const sources = (assessed: number): SiteSources => ({
  discovery: {
    counts: () => ({ total: 7, online: 4, new: 2 }),
    scopes: () => ['lan'],
    history: () => [{ id: 'scan-1' }],
    current: () => ({ status: 'running' }),
  },
  assess: { current: async () => ({ compliance: compliance(assessed), hosts: assessedHosts }) },
  hosts: { count: () => 6 },
  deploy: {
    list: () => [
      deployment('running', []),
      deployment('paused', ['failed', undefined]),
      deployment('halted', ['unreachable', 'failed', 'verified']),
      deployment('completed', ['verified', 'reboot-pending']),
      deployment('cancelled', ['failed']),
      deployment('draft', []),
    ],
  },
  catalog: {
    feeds: () => [feed('b', '2026-11-02T00:00:00Z'), feed('never'), feed('a', '2026-11-01T00:00:00Z')],
  },
  cache: { summary: () => ({ fromCache: 2048, fromUpstream: 1024, hitRatio: 0.75, entries: 9 }) },
  health: { problems: async () => [{ source: 'catalog', message: 'feed b is stale' }] },
});

test('every figure the dashboard shows comes from the services', async () => {
  const s = await siteSummary(sources(3));
  assert.deepEqual(s.devices, { total: 7, online: 4, new: 2, scanning: true });
  assert.equal(s.scopes, 1);
  assert.equal(s.scanned, true);
  assert.equal(s.compliance?.ratio, 1 / 3);
  assert.equal(s.compliance?.bySeverity.high, 2);
  assert.equal(s.compliance?.hostsAtRisk, 1);
  assert.equal(s.compliance?.rebootRequired, 2);
  assert.deepEqual(s.feeds, { enabled: 3, synced: 2, oldestSyncAt: '2026-11-01T00:00:00Z' });
  assert.deepEqual(s.cache, { fromCache: 2048, fromUpstream: 1024, hitRatio: 0.75 });
  assert.deepEqual(s.problems, [{ source: 'catalog', message: 'feed b is stale' }]);
});

test('no compliance until a host is assessed: zero missing fixes would be unchecked', async () => {
  const s = await siteSummary(sources(0));
  assert.equal(s.compliance, undefined);
});

test('absent services give absent figures, never invented ones', async () => {
  const s = await siteSummary({});
  assert.deepEqual(s, {
    devices: undefined,
    scopes: 0,
    scanned: false,
    compliance: undefined,
    hosts: undefined,
    deployments: undefined,
    feeds: { enabled: 0, synced: 0, oldestSyncAt: undefined },
    cache: undefined,
    problems: [],
  });
});

test('every machine of the directory is counted once by where it stands', async () => {
  const s = await siteSummary(sources(3));
  assert.deepEqual(s.hosts, {
    total: 6,
    byStanding: {
      compliant: 1,
      // Missing only a medium fix is at risk too: any missing security fix is.
      'at-risk': 2,
      'not-covered': 1,
      'not-inventoried': 2,
    },
  });
});

test('standings are counted once per assessment; another directory size or assessment counts anew', async () => {
  const first = await siteSummary(sources(3));
  first.hosts!.byStanding.compliant = 99; // a caller's change stays its own
  const again = await siteSummary({ ...sources(3), hosts: { count: () => 9 } });
  assert.equal(again.hosts?.byStanding.compliant, 1);
  assert.equal(again.hosts?.byStanding['not-inventoried'], 5);
  const fixedHost = assessedHosts.map((h) => ({
    ...h,
    compliant: true,
    bySeverity: { ...h.bySeverity, high: 0, medium: 0 },
  }));
  const later = await siteSummary({
    ...sources(3),
    assess: { current: async () => ({ compliance: compliance(3), hosts: fixedHost }) },
  });
  assert.notDeepEqual(later.hosts?.byStanding, again.hosts?.byStanding, 'a new assessment is counted');
});

test('deployments: in progress, halted, and failed until a retry clears the host', async () => {
  const s = await siteSummary(sources(3));
  // paused has one failed host, halted two; the cancelled one does not count, the completed one had none.
  assert.deepEqual(s.deployments, { inProgress: 2, halted: 1, failed: 2, failedHosts: 3 });
});
