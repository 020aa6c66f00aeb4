/** The real InventorySource: the inventory service's per-host files (one JSON file per host). */

import type { HostInventory } from '../inventory/types.js';
import type { Logger } from '../log.js';
import type { InventorySource } from './ports.js';

export const inventoryFiles = (
  dir: { ids(): Promise<string[]>; get(id: string): Promise<HostInventory | undefined> },
  log: Logger,
): InventorySource => ({
  ids: () => dir.ids(),
  async get(hostId) {
    try {
      return await dir.get(hostId);
    } catch (err) {
      // One damaged file costs that host its assessment, never the site's.
      log.warn('inventory unreadable; host skipped in assessment', { host: hostId, err });
      return undefined;
    }
  },
});
