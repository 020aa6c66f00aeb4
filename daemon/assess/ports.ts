/** Where assessment gets host inventories from (the inventory service's per-host files). */
import type { HostInventory } from '../inventory/types.js';

export interface InventorySource {
  /** Ids of the hosts that have an inventory. */
  ids(): Promise<string[]>;
  /**
   * One host's last good inventory, or undefined when it was never collected. Assessment reads
   * hosts one at a time so a 5,000-host site never holds every package list in memory at once.
   */
  get(hostId: string): Promise<HostInventory | undefined>;
}
