/**
 * The site at a glance: the figures the dashboard shows and the console API will serve. One typed
 * query over the services; each service is optional (disabled or not wired) and its figures are then
 * absent, never invented.
 */
import type { SiteCompliance } from '../assess/types.js';
import type { FeedStatus } from '../catalog/feed-status.js';
import { type AssetQuery, assetQuerySchema } from '../discovery/asset-query.js';
import type { Problem } from '../observability/health.js';

/** What the summary reads from each service: the narrowest slice, so any of them can be absent. */
export interface SiteSources {
  discovery?:
    | {
        query(q: AssetQuery): { total: number };
        scopes(): readonly unknown[];
        history(): readonly unknown[];
        current(): { status: string } | undefined;
      }
    | undefined;
  assess?: { current(): Promise<{ compliance: SiteCompliance }> } | undefined;
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
  feeds: {
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

const devices = (d: NonNullable<SiteSources['discovery']>): SiteSummary['devices'] => {
  const count = (status: 'online' | 'new' | '') =>
    d.query(assetQuerySchema.parse({ status, pageSize: 10 })).total;
  return {
    total: count(''),
    online: count('online'),
    new: count('new'),
    scanning: d.current()?.status === 'running',
  };
};

const feeds = (list: FeedStatus[]): SiteSummary['feeds'] => {
  const times = list.flatMap((f) => (f.snapshot ? [f.snapshot.syncedAt] : [])).sort();
  return { synced: times.length, oldestSyncAt: times[0] };
};

export const siteSummary = async (s: SiteSources): Promise<SiteSummary> => {
  const site = s.assess ? await s.assess.current() : undefined;
  const cache = s.cache?.summary();
  return {
    devices: s.discovery ? devices(s.discovery) : undefined,
    scopes: s.discovery?.scopes().length ?? 0,
    scanned: (s.discovery?.history().length ?? 0) > 0,
    compliance: site?.compliance.assessed ? site.compliance : undefined,
    feeds: feeds(s.catalog?.feeds() ?? []),
    cache: cache
      ? { fromCache: cache.fromCache, fromUpstream: cache.fromUpstream, hitRatio: cache.hitRatio }
      : undefined,
    problems: (await s.health?.problems()) ?? [],
  };
};
