/** Prometheus view of the cache: read from the service at scrape time, nothing counted twice. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheService } from './cache-service.js';

export const registerCacheMetrics = (registry: Registry, cache: CacheService): void => {
  const gauge = (name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        read(this);
      },
    });
  // Counters (they only grow, and survive restarts in the cache index): set from the totals at scrape.
  const counter = (name: string, help: string, labelName: string, read: () => Record<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: [labelName],
      registers: [registry],
      collect() {
        this.reset();
        for (const [label, value] of Object.entries(read())) this.inc({ [labelName]: label }, value);
      },
    });
  counter(
    'patch_depot_cache_bytes_total',
    'Bytes served to clients from the cache, and fetched from upstream',
    'source',
    () => {
      const s = cache.index.stats.totals;
      return { cache: s.fromCache, upstream: s.fromUpstream };
    },
  );
  counter('patch_depot_cache_requests_total', 'Cache lookups by result', 'result', () => {
    const s = cache.index.stats.totals;
    return { hit: s.hits, miss: s.misses };
  });
  gauge('patch_depot_cache_used_bytes', 'Disk used by cached blobs', (g) => g.set(cache.index.usedBytes()));
  gauge('patch_depot_cache_entries', 'Cached files', (g) => g.set(cache.index.size));
  gauge('patch_depot_cache_downloads_active', 'Upstream downloads in flight', (g) =>
    g.set(cache.fetcher.active.size),
  );
};
