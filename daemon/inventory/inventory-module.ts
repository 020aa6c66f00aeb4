/** Builds the real InventoryService from the settings: ssh2 runner, real parsers, data-dir paths. */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { Ssh2Runner } from '../remote/ssh-runner.js';
import { InventoryService } from './inventory-service.js';
import { inventoryParsers } from './parse-inventory.js';

export const inventoryDir = (config: Config): string => join(config.dataDir, 'inventory');

export const createInventoryService = (
  config: Config,
  log: Logger,
  opts: { schedule: boolean } = { schedule: true },
): InventoryService =>
  new InventoryService({
    dir: inventoryDir(config),
    runner: new Ssh2Runner(),
    parsers: inventoryParsers,
    log,
    concurrency: config.inventory.concurrency,
    connectTimeoutMs: config.inventory.connectTimeoutMs,
    commandTimeoutMs: config.inventory.commandTimeoutMs,
    maxOutputBytes: config.inventory.maxOutputBytes,
    maxPackages: config.inventory.maxPackages,
    scheduleMs: opts.schedule ? config.inventory.intervalHours * 3_600_000 : 0,
  });
