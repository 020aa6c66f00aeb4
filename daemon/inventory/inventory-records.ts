/**
 * Where collected inventories live: `<dataDir>/inventory/hosts/<hostId>.json.gz`, one compressed
 * file per host (1,500 packages: 130 KB of JSON, about 25 KB on disk). Plain `.json` files of
 * older versions are still read; the inventory service migrates them at start.
 */
import { RecordDir } from '../store/record-dir.js';
import { parseStoredInventory } from './stored-inventory.js';
import type { HostInventory } from './types.js';

export const inventoryRecords = (dir: string): RecordDir<HostInventory> =>
  new RecordDir(dir, parseStoredInventory, 0o600, { compressed: true });
