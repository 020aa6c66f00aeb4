/**
 * A site's real services wired as app.ts wires them, over fakes only at the edges: discovery on a
 * fake network, inventory over fake SSH hosts, the catalog on an in-memory Debian tracker feed,
 * assessment, and the host directory. For web harness tests that need real figures.
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { AssessService } from '../../../daemon/assess/assess-service.js';
import { inventoryFiles } from '../../../daemon/assess/inventory-files.js';
import { CatalogService } from '../../../daemon/catalog/catalog-service.js';
import { configSchema } from '../../../daemon/config.js';
import { DiscoveryService } from '../../../daemon/discovery/discovery-service.js';
import type { HostService } from '../../../daemon/hosts/host-service.js';
import { createHostService } from '../../../daemon/hosts/hosts-module.js';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import type { Clock } from '../../../daemon/lifecycle.js';
import type { Logger } from '../../../daemon/log.js';
import { type FakeHost, FakeNetwork, fastSettings } from '../../fakes/discovery-network.js';
import { FakeRunner } from '../../fakes/inventory-runner.js';
import { MemoryFeedFetcher } from '../../fakes/memory-feed-fetcher.js';
import { fixture } from '../../unit/catalog/version-gen.js';
import type { HarnessBase } from '../web/harness.js';

export const TRACKER = 'https://tracker.example/json';

export interface RealSite {
  net: FakeNetwork;
  runner: FakeRunner;
  discovery: DiscoveryService;
  inventory: InventoryService;
  catalog: CatalogService;
  assess: AssessService;
  hosts: HostService;
}

/** The catalog with one feed, the Debian tracker fixture, served from memory (not started). */
export const trackerCatalog = (dataDir: string, log: Logger, clock?: Clock): CatalogService => {
  const fetcher = new MemoryFeedFetcher();
  fetcher.set(TRACKER, fixture('catalog/debian-tracker.json'));
  return new CatalogService({
    dir: join(dataDir, 'catalog'),
    feeds: [{ id: 'debian', kind: 'debian-tracker', url: TRACKER, enabled: true }],
    fetcher,
    verifier: { verifyClearsigned: () => Promise.reject(new Error('unused')) },
    trustedKeys: [],
    maxFeedBytes: 1 << 20,
    maxUnpackedBytes: 64 << 20,
    syncIntervalMinutes: 60,
    log,
    ...(clock ? { clock } : {}),
  });
};

/** Build and start the services (stopped when the test ends); the devices are on the fake LAN. */
export const realSite = async (t: TestContext, base: HarnessBase, devices: FakeHost[]): Promise<RealSite> => {
  const { dataDir, store, log, jobs, scheduler } = base;
  const net = new FakeNetwork(devices);
  const runner = new FakeRunner();
  const config = {
    ...configSchema.parse({ dataDir }).discovery,
    ...fastSettings,
    writeDebounceMs: 5,
    schedule: false,
  };
  const discovery = new DiscoveryService({
    dataDir,
    config,
    store,
    ports: net.ports(),
    log,
    jobs,
    scheduler,
  });
  const inventory = new InventoryService({
    dir: join(dataDir, 'inventory'),
    runner,
    parsers: inventoryParsers,
    log,
    concurrency: 1,
    connectTimeoutMs: 1000,
    commandTimeoutMs: 1000,
    maxOutputBytes: 1 << 20,
    maxPackages: 20_000,
  });
  const catalog = trackerCatalog(dataDir, log);
  const assess = new AssessService({ catalog, inventories: inventoryFiles(inventory.inventories, log), log });
  inventory.onCollected(() => assess.invalidate());
  const hosts = createHostService({ dataDir }, { discovery, inventory, assess }, log);
  for (const s of [inventory, discovery, catalog, assess, hosts]) {
    await s.start();
    t.after(() => s.stop());
  }
  return { net, runner, discovery, inventory, catalog, assess, hosts };
};
