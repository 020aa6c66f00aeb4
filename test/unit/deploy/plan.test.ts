import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPlan, checkDryRun } from '../../../daemon/deploy/plan.js';
import { assessment, record } from '../../fakes/deploy-site.js';

test('a source-keyed fix upgrades the binaries built from it; binaries named twice are upgraded once, to the higher version', () => {
  const host = assessment('h1', [
    { advisoryId: 'DSA-1', fixed: '3.0.2-1' },
    { advisoryId: 'DSA-2', severity: 'critical', fixed: '3.0.10-1', binaries: ['libssl3'] },
    { advisoryId: 'DSA-3', package: 'curl', binaries: ['curl', 'libcurl4'], fixed: '7.88.1-10' },
  ]);
  const plan = buildPlan([host], { advisories: ['DSA-1', 'DSA-2'] });
  assert.deepEqual(plan.changes, [
    {
      hostId: 'h1',
      ecosystem: 'dpkg',
      upgrades: [
        // dpkg order: 3.0.10 > 3.0.2, not string order.
        { name: 'libssl3', version: '3.0.10-1', advisories: ['DSA-1', 'DSA-2'] },
        { name: 'openssl', version: '3.0.2-1', advisories: ['DSA-1'] },
      ],
      allowRemove: [],
    },
  ]);
  assert.deepEqual(Object.keys(plan.advisories).sort(), ['DSA-1', 'DSA-2']);
  assert.equal(plan.advisories['DSA-2']?.severity, 'critical');
});

test('selection by package or host narrows the plan; selected hosts with nothing to do say why', () => {
  const hosts = [
    assessment('h1', [{ advisoryId: 'DSA-3', package: 'curl', binaries: ['libcurl4'], fixed: '7.88.1-10' }]),
    assessment('h2', [{}]),
    { ...assessment('h3', []), covered: false, release: 'debian:trixie' },
  ];
  const byPackage = buildPlan(hosts, { packages: ['libcurl4'] });
  assert.deepEqual(
    byPackage.changes.map((c) => c.hostId),
    ['h1'],
  );
  const byHost = buildPlan(hosts, { hosts: ['h2', 'h3', 'h9'] });
  assert.deepEqual(
    byHost.changes.map((c) => [c.hostId, c.upgrades.map((u) => u.name)]),
    [['h2', ['libssl3', 'openssl']]],
  );
  assert.deepEqual(byHost.notApplicable, [
    { hostId: 'h3', reason: 'no feed covers debian:trixie: nothing to plan' },
    { hostId: 'h9', reason: 'no inventory yet: collect it first' },
  ]);
});

test('a dry run that would remove a package is refused naming it, unless that removal was allowed', () => {
  const [change] = buildPlan([assessment('h1', [{}])], {}, ['oldlib']).changes;
  const step = record('dry-run');
  const actions = [
    { action: 'upgrade' as const, name: 'openssl', from: '3.0.1-1', to: '3.0.2-1' },
    { action: 'remove' as const, name: 'oldlib', from: '1' },
  ];
  assert.deepEqual(checkDryRun(change!, { step, actions }), { ok: true, actions });
  const refused = checkDryRun(change!, {
    step,
    actions: [...actions, { action: 'remove', name: 'libfoo1' }],
  });
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.reason : '', /would remove libfoo1; allow this removal explicitly/);
});

test('an advisory is picked by its id or one of its CVEs, in any case, as the CLI help says', () => {
  const host = assessment('h1', [
    { advisoryId: 'DSA-5880-1', cves: ['CVE-2025-0001'], fixed: '3.0.2-1' },
    { advisoryId: 'CVE-2099-1002', package: 'curl', binaries: ['curl'], fixed: '7.88.1-10' },
  ]);
  const names = (advisories: string[]) =>
    buildPlan([host], { advisories }).changes.flatMap((c) => c.upgrades.map((u) => u.name));
  assert.deepEqual(names(['CVE-2025-0001']), ['libssl3', 'openssl']);
  assert.deepEqual(names(['cve-2099-1002']), ['curl']);
  assert.deepEqual(names(['dsa-5880-1']), ['libssl3', 'openssl']);
  assert.deepEqual(buildPlan([host], { advisories: ['CVE-0000-0000'] }).notApplicable, [
    { hostId: 'h1', reason: 'none of the selected fixes is missing here' },
  ]);
});

test('the advisories of a plan are listed most severe first, then by id in numeric order', () => {
  const host = assessment('h1', [
    { advisoryId: 'CVE-2099-1003', package: 'a', binaries: ['a'] },
    { advisoryId: 'CVE-2099-999', package: 'b', binaries: ['b'] },
    { advisoryId: 'CVE-2099-1001', package: 'c', binaries: ['c'], severity: 'low' },
    { advisoryId: 'CVE-2099-2000', package: 'd', binaries: ['d'], severity: 'critical' },
  ]);
  assert.deepEqual(Object.keys(buildPlan([host], {}).advisories), [
    'CVE-2099-2000',
    'CVE-2099-999',
    'CVE-2099-1003',
    'CVE-2099-1001',
  ]);
});
