/** Builds the real InventoryService from the settings: ssh2 runner (loaded at the first connection), real parsers, data-dir paths. */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import { lazySsh2Runner } from '../remote/lazy-ssh-runner.js';
import { InventoryService } from './inventory-service.js';
import { inventoryParsers } from './parse-inventory.js';

export const inventoryDir = (config: Config): string => join(config.dataDir, 'inventory');

/** With `work` (the daemon) collections run as jobs on a schedule; without (the CLI) only on request. */
export const createInventoryService = (
  config: Config,
  log: Logger,
  work?: { jobs: JobRunner; scheduler: Scheduler; hostLabel?: (hostId: string) => string | undefined },
): InventoryService =>
  new InventoryService({
    dir: inventoryDir(config),
    runner: lazySsh2Runner(),
    parsers: inventoryParsers,
    log,
    concurrency: config.inventory.concurrency,
    connectTimeoutMs: config.inventory.connectTimeoutMs,
    commandTimeoutMs: config.inventory.commandTimeoutMs,
    maxOutputBytes: config.inventory.maxOutputBytes,
    maxPackages: config.inventory.maxPackages,
    scheduleMs: config.inventory.intervalHours * 3_600_000,
    jobs: work?.jobs,
    scheduler: work?.scheduler,
    hostLabel: work?.hostLabel,
  });
