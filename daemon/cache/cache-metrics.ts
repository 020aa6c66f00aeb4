/** Prometheus view of the cache: read from the service at scrape time, nothing counted twice. */
import { Gauge, type Registry } from 'prom-client';
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
  gauge(
    'patch_depot_cache_bytes_total',
    'Bytes served to clients from the cache, and fetched from upstream',
    (g) => {
      const s = cache.index.stats.totals;
      g.set({ source: 'cache' }, s.fromCache);
      g.set({ source: 'upstream' }, s.fromUpstream);
    },
    ['source'],
  );
  gauge(
    'patch_depot_cache_requests_total',
    'Cache lookups by result',
    (g) => {
      const s = cache.index.stats.totals;
      g.set({ result: 'hit' }, s.hits);
      g.set({ result: 'miss' }, s.misses);
    },
    ['result'],
  );
  gauge('patch_depot_cache_used_bytes', 'Disk used by cached blobs', (g) => g.set(cache.index.usedBytes()));
  gauge('patch_depot_cache_entries', 'Cached files', (g) => g.set(cache.index.size));
  gauge('patch_depot_cache_downloads_active', 'Upstream downloads in flight', (g) =>
    g.set(cache.fetcher.active.size),
  );
};
