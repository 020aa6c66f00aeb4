/**
 * Proof that an install took: a fresh inventory of the host (the same SSH collection the
 * Inventory page runs, saved as the host's inventory, so assessment sees it too), compared with
 * each upgrade by the host's own version rules. An upgrade is verified only when every installed
 * instance of the package (one per architecture) is at or above the version the plan asked for.
 */
import { versionRules } from '../catalog/versions/version-rules.js';
import type { HostInventory } from '../inventory/types.js';
import type { HostCredential } from '../remote/credentials.js';
import { RemoteError } from '../remote/remote-error.js';
import { type HostChange, type PackageUpgrade, StepFailure, type Verifier } from './ports.js';

/** What verification needs from the inventory service. */
export interface InventoryCollector {
  credentials: { get(hostId: string): Promise<HostCredential | undefined> };
  collect(cred: HostCredential, opts: { signal?: AbortSignal | undefined }): Promise<HostInventory>;
}

/** Which upgrades an inventory shows done, by the inventory's own ecosystem's version rules. */
export const compareWithInventory = (
  inventory: HostInventory,
  upgrades: readonly PackageUpgrade[],
): { verified: PackageUpgrade[]; missing: PackageUpgrade[] } => {
  const compare = versionRules[inventory.ecosystem];
  const installed = new Map<string, string[]>();
  for (const p of inventory.packages) installed.set(p.name, [...(installed.get(p.name) ?? []), p.version]);
  const verified: PackageUpgrade[] = [];
  const missing: PackageUpgrade[] = [];
  for (const u of upgrades) {
    const versions = installed.get(u.name) ?? [];
    const done = versions.length > 0 && versions.every((v) => compare(v, u.version) >= 0);
    (done ? verified : missing).push(u);
  }
  return { verified, missing };
};

/** A failed collection as deployment sees it: the host is unreachable, or the check may be retried. */
const asStepFailure = (err: unknown, hostId: string): StepFailure => {
  if (err instanceof StepFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  const reason = `re-inventory of ${hostId} failed: ${message}`;
  if (err instanceof RemoteError && (err.kind === 'connect' || err.kind === 'timeout'))
    return new StepFailure('unreachable', reason);
  if (err instanceof RemoteError && (err.kind === 'auth' || err.kind === 'host-key-changed'))
    return new StepFailure('permanent', reason);
  return new StepFailure('transient', reason);
};

/** Assessment recomputes on its own: the inventory service announces every collection. */
export class InventoryVerifier implements Verifier {
  constructor(private readonly inventory: InventoryCollector) {}

  async verify(
    change: HostChange,
    signal?: AbortSignal,
  ): Promise<{ verified: PackageUpgrade[]; missing: PackageUpgrade[] }> {
    const cred = await this.inventory.credentials.get(change.hostId);
    if (!cred) throw new StepFailure('permanent', `${change.hostId} has no SSH access saved any more`);
    let fresh: HostInventory;
    try {
      fresh = await this.inventory.collect(cred, { signal });
    } catch (err) {
      throw asStepFailure(err, change.hostId);
    }
    return compareWithInventory(fresh, change.upgrades);
  }
}
