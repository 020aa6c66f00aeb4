/**
 * The cache's health problems: the apt proxy port not listening (hosts cannot fetch through the
 * appliance), the cache at its quota (old packages are evicted to make room), and the cache
 * volume close to the free space the cache keeps (new downloads will soon be refused).
 */
import type { Config } from '../config.js';
import type { HealthReporter, Problem } from '../observability/health.js';
import type { CacheModule } from './cache-module.js';

const MiB = 1024 * 1024;
const size = (bytes: number): string =>
  bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`;

export interface CacheHealthSource {
  summary(): { usedBytes: number; quotaBytes: number };
  /** Free bytes on the cache volume. */
  free(): Promise<number>;
  minFreeBytes: number;
  /** The proxy port, when it is enabled. */
  proxy?: { port: number; listening: boolean } | undefined;
}

export const cacheProblems = async (c: CacheHealthSource): Promise<Problem[]> => {
  const problems: Problem[] = [];
  const say = (message: string) => problems.push({ source: 'cache', message });
  if (c.proxy && !c.proxy.listening)
    say(`the apt proxy port ${c.proxy.port} is not listening: hosts cannot fetch packages through the cache`);
  const { usedBytes, quotaBytes } = c.summary();
  if (usedBytes >= 0.95 * quotaBytes)
    say(
      `the package cache is at ${Math.round((100 * usedBytes) / quotaBytes)} % of its quota (${size(usedBytes)} of ${size(quotaBytes)}): old packages are evicted to make room; raise cache.quotaMB if hosts miss often`,
    );
  const free = await c.free();
  if (free < 2 * c.minFreeBytes)
    say(
      `only ${size(free)} free on the cache volume (cache.minFreeMB keeps ${size(c.minFreeBytes)} free): new downloads will be refused soon`,
    );
  return problems;
};

/** The cache module as a health reporter. */
export const cacheHealth = (cache: CacheModule, config: Config['cache']): HealthReporter => ({
  name: 'cache',
  health: () =>
    cacheProblems({
      summary: () => cache.service.summary(),
      free: () => cache.service.blobs.free(),
      minFreeBytes: config.minFreeMB * MiB,
      proxy: config.proxy.enabled
        ? {
            port: cache.proxy?.address?.port ?? config.proxy.port,
            listening: cache.proxy?.listening ?? false,
          }
        : undefined,
    }),
});
