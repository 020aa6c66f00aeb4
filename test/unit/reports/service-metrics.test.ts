/** /metrics figures of jobs, feeds, the assessment and deployments, read from the services at scrape time. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { SiteAssessment } from '../../../daemon/assess/assess-service.js';
import { liveSummary } from '../../../daemon/deploy/deployment-summary.js';
import { registerServiceMetrics } from '../../../daemon/reports/service-metrics.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const sev = { critical: 1, high: 2, medium: 0, low: 0, negligible: 0, unknown: 3 };

test('every service is covered with Prometheus names and units; a scrape reads the last assessment', async () => {
  const registry = new Registry();
  let site: SiteAssessment | undefined;
  const jobs = [
    { kind: 'discovery.scan', state: 'succeeded' },
    { kind: 'discovery.scan', state: 'succeeded' },
    { kind: 'inventory.collect', state: 'failed' },
  ];
  registerServiceMetrics(registry, {
    jobs: { list: () => jobs },
    catalog: {
      feeds: () => [
        {
          id: 'debian',
          kind: 'debian-tracker',
          configured: true,
          enabled: true,
          advisories: 42,
          snapshot: { syncedAt: '2026-12-04T11:00:00.000Z' } as never,
          lastAttempt: { outcome: 'failed' } as never,
        },
      ],
    },
    assess: { latest: () => site },
    deploy: {
      list: () =>
        [
          { state: 'running', hosts: [{ outcome: 'verified' }, { phase: 'pending' }] },
          { state: 'cancelled', hosts: [{ outcome: 'failed' }] },
        ].map((d) => liveSummary(d as never)),
    },
    now: () => NOW,
  });
  let text = await registry.metrics();
  assert.match(text, /patch_depot_jobs\{kind="discovery.scan",state="succeeded"\} 2/);
  assert.match(text, /patch_depot_jobs\{kind="inventory.collect",state="failed"\} 1/);
  assert.match(text, /patch_depot_jobs\{kind="inventory.collect",state="running"\} 0/);
  assert.match(text, /patch_depot_feed_snapshot_timestamp_seconds\{feed="debian"\} 1796382000/);
  assert.match(text, /patch_depot_feed_advisories\{feed="debian"\} 42/);
  assert.match(text, /patch_depot_feed_last_sync_ok\{feed="debian"\} 0/);
  assert.match(text, /patch_depot_deployments\{state="running"\} 1/);
  assert.match(text, /patch_depot_deployment_hosts\{outcome="verified"\} 1/);
  assert.match(text, /patch_depot_deployment_hosts\{outcome="pending"\} 1/);
  assert.doesNotMatch(
    text,
    /patch_depot_deployment_hosts\{outcome="failed"\}/,
    'cancelled ones are left out',
  );
  assert.match(text, /\npatch_depot_compliance_ratio NaN\n/i, 'no assessment yet: no figure, not zero');
  assert.match(text, /\npatch_depot_reboot_required_hosts NaN\n/i);

  site = {
    computedAt: '2026-12-04T11:59:00.000Z',
    ms: 250,
    hosts: [
      { covered: true, compliant: false, bySeverity: sev, collectedAt: '2026-12-04T06:00:00.000Z' },
      {
        covered: true,
        compliant: true,
        bySeverity: { ...sev, critical: 0, high: 0, unknown: 0 },
        collectedAt: '2026-12-04T11:00:00.000Z',
      },
    ],
    compliance: { ratio: 0.5, bySeverity: sev, rebootRequired: 1 },
  } as never;
  text = await registry.metrics();
  assert.match(text, /patch_depot_compliance_ratio 0.5/);
  assert.match(text, /patch_depot_missing_fixes\{severity="unknown"\} 3/);
  assert.match(text, /patch_depot_hosts\{standing="at-risk"\} 1/);
  assert.match(text, /patch_depot_hosts\{standing="compliant"\} 1/);
  assert.match(text, /patch_depot_reboot_required_hosts 1/);
  assert.match(text, /patch_depot_assessment_duration_seconds 0.25/);
  assert.match(text, /patch_depot_inventory_oldest_age_seconds 21600/);
});

test('label values with quotes, backslashes, braces and newlines cannot break the exposition format', async () => {
  const registry = new Registry();
  const evil = 'a"} 1\npatch_depot_fake 99\n\\';
  registerServiceMetrics(registry, {
    jobs: { list: () => [{ kind: evil, state: 'running' }] },
    catalog: {
      feeds: () => [
        {
          id: evil,
          kind: 'osv',
          configured: true,
          enabled: true,
          advisories: 1,
          snapshot: { syncedAt: 'not a date' } as never,
          lastAttempt: { outcome: 'ok' } as never,
        },
      ],
    },
  });
  const text = await registry.metrics();
  const sample =
    /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_]\w*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_]\w*="(?:[^"\\\n]|\\[\\"n])*")*\})? \S+$/;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# ')) continue;
    assert.match(line, sample);
  }
  assert.doesNotMatch(text, /^patch_depot_fake/m, 'no injected series');
  assert.match(text, /patch_depot_jobs\{kind="a\\"\} 1\\npatch_depot_fake 99\\n\\\\",state="running"\} 1/);
});
