/** Where assessment gets host inventories from (the inventory service's per-host files). */
import type { HostInventory } from '../inventory/types.js';

export interface InventorySource {
  /** Every host's last good inventory; an unreadable one is skipped by the source, not fatal. */
  list(): Promise<HostInventory[]>;
  /** One host's last good inventory, or undefined when it was never collected. */
  get(hostId: string): Promise<HostInventory | undefined>;
}
