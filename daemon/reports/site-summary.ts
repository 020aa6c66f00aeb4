/**
 * The site at a glance: the figures the dashboard shows and the console API will serve. One typed
 * query over the services; each service is optional (disabled or not wired) and its figures are then
 * absent, never invented.
 */
import { HOST_STANDINGS, type HostStanding, hostStanding } from '../assess/assess.js';
import type { HostAssessment, SiteCompliance } from '../assess/types.js';
import type { FeedStatus } from '../catalog/feed-status.js';
import type { DeploymentSummary } from '../deploy/deployment-summary.js';
import type { Problem } from '../observability/health.js';

/** What the summary reads from an assessment. */
export interface SiteFigures {
  compliance: SiteCompliance;
  hosts: ReadonlyArray<Pick<HostAssessment, 'hostId' | 'covered' | 'compliant' | 'bySeverity'>>;
}

/** What the summary reads from each service: the narrowest slice, so any of them can be absent. */
export interface SiteSources {
  discovery?:
    | {
        /** Every asset, those online and those not yet acknowledged as new. */
        counts(): { total: number; online: number; new: number };
        scopes(): readonly unknown[];
        history(): readonly unknown[];
        current(): { status: string } | undefined;
      }
    | undefined;
  assess?:
    | {
        /** Undefined while no assessment has finished yet (a page need not wait for the first one). */
        current(): Promise<SiteFigures | undefined>;
      }
    | undefined;
  /** The host directory: every machine, inventoried or not. */
  hosts?: { count(): number } | undefined;
  deploy?: { list(): ReadonlyArray<Pick<DeploymentSummary, 'state' | 'counts'>> } | undefined;
  catalog?: { feeds(): FeedStatus[] } | undefined;
  cache?: { summary(): { fromCache: number; fromUpstream: number; hitRatio: number } } | undefined;
  health?: { problems(): Promise<Problem[]> } | undefined;
}

export interface SiteSummary {
  /** Undefined when discovery is not running. */
  devices?: { total: number; online: number; new: number; scanning: boolean } | undefined;
  scopes: number;
  /** True once any discovery scan has run. */
  scanned: boolean;
  /** Undefined until a host is assessed: "0 missing fixes" would be a claim nobody checked. */
  compliance?: SiteCompliance | undefined;
  /** Machines of the host directory by where they stand; undefined without the directory. */
  hosts?: { total: number; byStanding: Record<HostStanding, number> } | undefined;
  /** Undefined when deployments are off. */
  deployments?: DeploymentFigures | undefined;
  feeds: {
    /** Feeds configured and enabled. */
    enabled: number;
    /** Feeds with a snapshot in use. */
    synced: number;
    /** When the oldest snapshot in use was taken (ISO time), if any. */
    oldestSyncAt?: string | undefined;
  };
  /** Undefined when the cache is disabled. */
  cache?: { fromCache: number; fromUpstream: number; hitRatio: number } | undefined;
  /** The same reasons /healthz gives for "degraded". */
  problems: Problem[];
}

export interface DeploymentFigures {
  /** Started and not ended: running, or paused by an administrator. */
  inProgress: number;
  /** Stopped by a failed ring gate or a breaker: someone has to look. */
  halted: number;
  /** Not cancelled, with a host whose last outcome is failed or unreachable (a retry that works clears it). */
  failed: number;
  /** Those hosts, counted once per deployment. */
  failedHosts: number;
}

const deploymentFigures = (
  list: ReadonlyArray<Pick<DeploymentSummary, 'state' | 'counts'>>,
): DeploymentFigures => {
  const figures: DeploymentFigures = { inProgress: 0, halted: 0, failed: 0, failedHosts: 0 };
  for (const d of list) {
    if (d.state === 'running' || d.state === 'paused') figures.inProgress++;
    if (d.state === 'halted') figures.halted++;
    if (d.state === 'cancelled' || d.state === 'draft') continue;
    const counts = d.counts();
    const failed = counts.failed + counts.unreachable;
    if (failed) figures.failed++;
    figures.failedHosts += failed;
  }
  return figures;
};

type Assessed = ReadonlyArray<Pick<HostAssessment, 'covered' | 'compliant' | 'bySeverity'>>;

/** Assessed hosts by standing, counted once per assessment (a page load reads the counts). */
const counted = new WeakMap<Assessed, Record<HostStanding, number>>();
const byStandingOf = (assessed: Assessed): Record<HostStanding, number> => {
  let counts = counted.get(assessed);
  if (!counts) {
    counts = Object.fromEntries(HOST_STANDINGS.map((s) => [s, 0])) as Record<HostStanding, number>;
    for (const h of assessed) counts[hostStanding(h)]++;
    counted.set(assessed, counts);
  }
  return counts;
};

const standings = (directory: number, assessed: Assessed): NonNullable<SiteSummary['hosts']> => {
  const byStanding = { ...byStandingOf(assessed) };
  // Inventories are filed under directory ids; a machine without one has not been inventoried.
  byStanding['not-inventoried'] = Math.max(0, directory - assessed.length);
  return { total: Math.max(directory, assessed.length), byStanding };
};

const devices = (d: NonNullable<SiteSources['discovery']>): SiteSummary['devices'] => ({
  ...d.counts(),
  scanning: d.current()?.status === 'running',
});

const feeds = (list: FeedStatus[]): SiteSummary['feeds'] => {
  const times = list.flatMap((f) => (f.snapshot ? [f.snapshot.syncedAt] : [])).sort();
  return {
    enabled: list.filter((f) => f.configured && f.enabled).length,
    synced: times.length,
    oldestSyncAt: times[0],
  };
};

export const siteSummary = async (s: SiteSources): Promise<SiteSummary> => {
  const site = s.assess ? await s.assess.current() : undefined;
  const cache = s.cache?.summary();
  return {
    devices: s.discovery ? devices(s.discovery) : undefined,
    scopes: s.discovery?.scopes().length ?? 0,
    scanned: (s.discovery?.history().length ?? 0) > 0,
    compliance: site?.compliance.assessed ? site.compliance : undefined,
    hosts: s.hosts ? standings(s.hosts.count(), site?.hosts ?? []) : undefined,
    deployments: s.deploy ? deploymentFigures(s.deploy.list()) : undefined,
    feeds: feeds(s.catalog?.feeds() ?? []),
    cache: cache
      ? { fromCache: cache.fromCache, fromUpstream: cache.fromUpstream, hitRatio: cache.hitRatio }
      : undefined,
    problems: (await s.health?.problems()) ?? [],
  };
};
