/**
 * What the host directory joins, each behind a small interface (the real ones are discovery's
 * assets, the inventory service's targets and files, and the assessment; hosts-module.ts adapts
 * them). The directory never reaches into another module's files.
 */
import type { HostAssessment } from '../assess/types.js';
import type { Asset } from '../discovery/asset.js';
import type { HostOverview } from '../inventory/inventory-service.js';
import type { HostInventory } from '../inventory/types.js';
import type { CredentialInput } from '../remote/credentials.js';

/** Discovery's assets, and word when a scan changed some. */
export interface AssetSource {
  all(): Iterable<Asset>;
  byId(id: string): Asset | undefined;
  /** A number that changes whenever any asset does (pages keep what they derive from names). */
  version(): number;
  /** The listener's promise settles before the scan is reported done. */
  onAssetsChanged(listener: (changed: readonly Asset[]) => Promise<void> | void): () => void;
}

/** SSH access per host: credentials, pinned key and last attempt, all filed under the host id. */
export interface TargetStore {
  /** Every id with a target, an inventory or an attempt on file. */
  targetIds(): Promise<string[]>;
  overview(hostId: string): Promise<HostOverview | undefined>;
  save(input: CredentialInput & { hostId: string }): Promise<void>;
  /** The machine moved: a target that pointed at `from` now points at `to`. */
  followHost(hostId: string, from: string, to: string): Promise<boolean>;
  /** File everything under a new id (an old data directory's id adopted by a host). */
  rekeyHost(from: string, to: string): Promise<void>;
}

/** What the appliance found on a host. */
export interface HostFindings {
  inventory(hostId: string): Promise<HostInventory | undefined>;
  assessment(hostId: string): Promise<HostAssessment | undefined>;
  /** Word after each successful inventory collection. */
  onCollected?(listener: (hostId: string, inventory: HostInventory) => void): () => void;
}
