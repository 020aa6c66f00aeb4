/**
 * Prometheus figures of the services that have none of their own: jobs (scans, collections, feed
 * syncs, deployments all run as jobs), feeds, inventories, the assessment and deployments. Read
 * from the services when scraped: nothing is counted on the hot path, and a scrape never starts
 * an assessment (it reads the last one). A figure nobody has measured yet is NaN, never 0: "0 hosts
 * need a reboot" before any host was looked at would be a claim.
 */
import { Gauge, type Registry } from 'prom-client';
import { HOST_STANDINGS, hostStanding } from '../assess/assess.js';
import type { SiteAssessment } from '../assess/assess-service.js';
import type { FeedStatus } from '../catalog/feed-status.js';
import { severities } from '../catalog/model.js';
import type { DeploymentSummary } from '../deploy/deployment-summary.js';
import { JOB_STATES } from '../jobs/job.js';

export interface MetricSources {
  jobs: { list(): ReadonlyArray<{ kind: string; state: string }> };
  catalog?: { feeds(): FeedStatus[] } | undefined;
  assess?: { latest(): SiteAssessment | undefined } | undefined;
  deploy?: { list(): ReadonlyArray<Pick<DeploymentSummary, 'state' | 'counts'>> } | undefined;
  now?: () => number;
}

type Read = (g: Gauge<string>) => void;

export const registerServiceMetrics = (registry: Registry, s: MetricSources): void => {
  const now = s.now ?? Date.now;
  const gauge = (name: string, help: string, labelNames: string[], read: Read) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        read(this);
      },
    });
  gauge('patch_depot_jobs', 'Job records kept, by kind and state', ['kind', 'state'], (g) => {
    const kinds = new Set(s.jobs.list().map((j) => j.kind));
    for (const kind of kinds) for (const state of JOB_STATES) g.set({ kind, state }, 0);
    for (const j of s.jobs.list()) g.inc({ kind: j.kind, state: j.state });
  });
  feedMetrics(gauge, s.catalog);
  assessmentMetrics(gauge, s.assess, now);
  if (s.deploy) deployMetrics(gauge, s.deploy);
};

type GaugeOf = (name: string, help: string, labelNames: string[], read: Read) => Gauge<string>;

const feedMetrics = (gauge: GaugeOf, catalog: MetricSources['catalog']) => {
  if (!catalog) return;
  gauge(
    'patch_depot_feed_snapshot_timestamp_seconds',
    'When the snapshot in use was synced, per feed',
    ['feed'],
    (g) => {
      for (const f of catalog.feeds())
        if (f.snapshot) g.set({ feed: f.id }, Date.parse(f.snapshot.syncedAt) / 1000);
    },
  );
  gauge('patch_depot_feed_advisories', 'Advisories in the snapshot in use, per feed', ['feed'], (g) => {
    for (const f of catalog.feeds()) g.set({ feed: f.id }, f.advisories);
  });
  gauge(
    'patch_depot_feed_last_sync_ok',
    '1 when the last sync attempt of the feed worked, 0 when it failed',
    ['feed'],
    (g) => {
      for (const f of catalog.feeds())
        if (f.lastAttempt) g.set({ feed: f.id }, f.lastAttempt.outcome === 'failed' ? 0 : 1);
    },
  );
};

const assessmentMetrics = (gauge: GaugeOf, assess: MetricSources['assess'], now: () => number) => {
  if (!assess) return;
  gauge(
    'patch_depot_hosts',
    'Inventoried hosts by standing (compliant, at-risk, not-covered)',
    ['standing'],
    (g) => {
      const site = assess.latest();
      if (!site) return;
      for (const st of HOST_STANDINGS) if (st !== 'not-inventoried') g.set({ standing: st }, 0);
      for (const h of site.hosts) g.inc({ standing: hostStanding(h) });
    },
  );
  gauge('patch_depot_missing_fixes', 'Missing fixes over all hosts, by severity', ['severity'], (g) => {
    const c = assess.latest()?.compliance;
    if (c) for (const sev of severities) g.set({ severity: sev }, c.bySeverity[sev]);
  });
  gauge('patch_depot_compliance_ratio', 'Assessed hosts with no missing fix, 0 to 1', [], (g) => {
    g.set(assess.latest()?.compliance.ratio ?? Number.NaN);
  });
  gauge('patch_depot_reboot_required_hosts', 'Hosts that need a reboot to finish an update', [], (g) => {
    g.set(assess.latest()?.compliance.rebootRequired ?? Number.NaN);
  });
  gauge('patch_depot_assessment_duration_seconds', 'How long the last assessment took', [], (g) => {
    const site = assess.latest();
    g.set(site ? site.ms / 1000 : Number.NaN);
  });
  gauge('patch_depot_assessment_timestamp_seconds', 'When the last assessment was computed', [], (g) => {
    const site = assess.latest();
    g.set(site ? Date.parse(site.computedAt) / 1000 : Number.NaN);
  });
  gauge('patch_depot_inventory_oldest_age_seconds', 'Age of the oldest host inventory', [], (g) => {
    const site = assess.latest();
    if (!site?.hosts.length) return g.set(Number.NaN);
    // A loop, not Math.min(...): a spread of one argument per host overflows the stack on a big site.
    let oldest = Number.POSITIVE_INFINITY;
    for (const h of site.hosts) oldest = Math.min(oldest, Date.parse(h.collectedAt));
    g.set(Math.max(0, (now() - oldest) / 1000));
  });
};

const deployMetrics = (gauge: GaugeOf, deploy: NonNullable<MetricSources['deploy']>) => {
  gauge('patch_depot_deployments', 'Deployments by state', ['state'], (g) => {
    for (const d of deploy.list()) g.inc({ state: d.state });
  });
  gauge(
    'patch_depot_deployment_hosts',
    'Hosts of deployments not cancelled, by their outcome (pending: not ended)',
    ['outcome'],
    (g) => {
      for (const d of deploy.list()) {
        if (d.state === 'cancelled' || d.state === 'draft') continue;
        for (const [outcome, n] of Object.entries(d.counts()))
          if (n) g.inc({ outcome: outcome === 'in-progress' ? 'pending' : outcome }, n);
      }
    },
  );
};
