/** Builds the catalog service with its real adapters from the config. */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import { CacheFeedFetcher, type FeedCache } from './cache-feed-fetcher.js';
import { CatalogService } from './catalog-service.js';
import { GpgvVerifier } from './gpgv.js';
import { UndiciFeedFetcher } from './undici-feed-fetcher.js';
import { WorkerFeedParser } from './worker-feed-parser.js';

export const createCatalogService = (
  config: Config,
  log: Logger,
  version: string,
  /** The package cache, when enabled: apt metadata is then read through it. */
  cache?: FeedCache,
  /** The daemon's job runner and scheduler; the CLI syncs directly without them. */
  work?: { jobs: JobRunner; scheduler: Scheduler },
): CatalogService => {
  const direct = new UndiciFeedFetcher({
    connectTimeoutMs: config.catalog.timeoutSeconds * 1000,
    timeoutMs: config.catalog.timeoutSeconds * 1000,
    userAgent: `patch-depot/${version}`,
  });
  const fetcher = cache ? new CacheFeedFetcher(cache, direct) : direct;
  return new CatalogService({
    dir: join(config.dataDir, 'catalog'),
    feeds: config.catalog.feeds,
    fetcher,
    verifier: new GpgvVerifier(),
    trustedKeys: config.catalog.trustedKeys,
    maxFeedBytes: config.catalog.maxFeedMB * 1024 * 1024,
    maxUnpackedBytes: config.catalog.maxUnpackedMB * 1024 * 1024,
    parser: new WorkerFeedParser({ memoryMB: config.catalog.workerMemoryMB }),
    syncIntervalMinutes: config.catalog.syncIntervalMinutes,
    log,
    jobs: work?.jobs,
    scheduler: work?.scheduler,
  });
};
