/**
 * Builds the HostService over the real services: discovery's assets, the inventory service's
 * targets and files, and the assessment. app.ts imports this lazily.
 */
import { join } from 'node:path';
import type { AssessService } from '../assess/assess-service.js';
import type { Config } from '../config.js';
import type { DiscoveryService } from '../discovery/discovery-service.js';
import type { InventoryService } from '../inventory/inventory-service.js';
import type { Logger } from '../log.js';
import { HostService } from './host-service.js';
import type { AssetSource, HostFindings, TargetStore } from './ports.js';

export const hostsDir = (config: Pick<Config, 'dataDir'>): string => join(config.dataDir, 'hosts');

export const discoveryAssets = (discovery: DiscoveryService): AssetSource => ({
  all: () => discovery.assets.all(),
  byId: (id) => discovery.assets.byId(id),
  version: () => discovery.assets.version,
  onAssetsChanged: (listener) => discovery.onAssetsChanged(listener),
});

export const inventoryTargets = (inventory: InventoryService): TargetStore => ({
  targetIds: () => inventory.targetIds(),
  async overview(hostId) {
    const credential = await inventory.credentials.view(hostId);
    if (!credential) return undefined;
    const [hostKey, attempt] = await Promise.all([
      inventory.knownHosts.get(hostId),
      inventory.attempts.get(hostId).catch(() => undefined),
    ]);
    return { credential, hostKey, attempt };
  },
  save: async (input) => {
    await inventory.credentials.put(input);
  },
  followHost: (hostId, from, to) => inventory.followHost(hostId, from, to),
  rekeyHost: (from, to) => inventory.rekeyHost(from, to),
});

export const hostFindings = (
  inventory: InventoryService,
  assess: AssessService | undefined,
): HostFindings => ({
  inventory: (hostId) => inventory.inventories.get(hostId).catch(() => undefined),
  assessment: async (hostId) => assess?.host(hostId),
  onCollected: (listener) => inventory.onCollected(listener),
});

export interface HostSources {
  discovery?: DiscoveryService | undefined;
  inventory?: InventoryService | undefined;
  assess?: AssessService | undefined;
}

export const createHostService = (
  config: Pick<Config, 'dataDir'>,
  sources: HostSources,
  log: Logger,
): HostService =>
  new HostService({
    dir: hostsDir(config),
    assets: sources.discovery && discoveryAssets(sources.discovery),
    targets: sources.inventory && inventoryTargets(sources.inventory),
    findings: sources.inventory && hostFindings(sources.inventory, sources.assess),
    log,
  });
