/**
 * Where collected inventories live: `<dataDir>/inventory/hosts/<hostId>.json.gz`, one compressed
 * file per host, whose packages are ids into the site's package table (`inventory/packages.jsonl`,
 * site-packages.ts): 1,500 packages take about 3 KB on disk instead of 25 KB. Records of older
 * versions (plain `.json`, or package objects) are still read, and `migrate` rewrites them in the
 * current form, each one atomically; once all are, `packages.migrated` says so and later starts
 * skip the pass.
 *
 * A host read back shares its package objects (frozen) with every other host that has the same
 * packages, and carries its ids (`packageIdsOf`), which assessment uses instead of the names.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DepotError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { RecordDir } from '../store/record-dir.js';
import { SitePackages } from './site-packages.js';
import { parseRecord, type StoredInventory } from './stored-inventory.js';
import type { HostInventory } from './types.js';

type OnDisk = StoredInventory | HostInventory;

/** A host's packages as ids into `table`, in the order of `packages` (frozen). */
export interface PackageIds {
  table: SitePackages;
  ids: readonly number[];
  packages: readonly HostInventory['packages'][number][];
}

const idsOf = new WeakMap<HostInventory, PackageIds>();

/** The site package ids of an inventory read from the store, if it was. */
export const packageIdsOf = (inv: HostInventory): PackageIds | undefined => {
  const sited = idsOf.get(inv);
  // Only while the inventory still has the package list it was read with.
  return sited?.packages === inv.packages ? sited : undefined;
};

const stored = (r: OnDisk): r is StoredInventory => 'packageIds' in r;

export class InventoryRecords {
  private readonly records: RecordDir<OnDisk>;
  readonly packages: SitePackages;
  private readonly migratedMark: string;

  /** `dir`: the hosts directory; the package table sits beside it. */
  constructor(readonly dir: string) {
    this.records = new RecordDir<OnDisk>(dir, parseRecord, 0o600, { compressed: true });
    this.packages = new SitePackages(join(dir, '..', 'packages.jsonl'));
    this.migratedMark = join(dir, '..', 'packages.migrated');
  }

  start(): Promise<void> {
    return this.records.start();
  }

  file(id: string): string {
    return this.records.file(id);
  }

  ids(): Promise<string[]> {
    return this.records.ids();
  }

  delete(id: string): Promise<void> {
    return this.records.delete(id);
  }

  async get(id: string): Promise<HostInventory | undefined> {
    const r = await this.records.get(id);
    if (!r || !stored(r)) return r;
    const { packageIds, ...head } = r;
    let packages: HostInventory['packages'];
    try {
      packages = await this.packages.get(packageIds);
    } catch (cause) {
      throw new DepotError('STORE_CORRUPT', `${this.file(id)}: ${(cause as Error).message}`, { cause });
    }
    Object.freeze(packages);
    const inv: HostInventory = { ...head, packages };
    idsOf.set(inv, { table: this.packages, ids: packageIds, packages });
    return inv;
  }

  /** Store `inv`: its packages new to the site are on disk before the record that names them. */
  async put(id: string, inv: HostInventory): Promise<void> {
    await this.records.put(id, await this.toStored(inv));
  }

  private async toStored(inv: HostInventory): Promise<StoredInventory> {
    const { packages, ...head } = inv;
    return { ...head, packageIds: await this.packages.intern(packages) };
  }

  /**
   * Rewrite the records of older versions in the current form (see above). Returns how many were
   * rewritten, and the ids of those that could not be read (left as they are).
   */
  async migrate(signal?: AbortSignal): Promise<{ migrated: number; unreadable: string[] }> {
    const done = await access(this.migratedMark).then(
      () => true,
      () => false,
    );
    const upgrade = async (r: OnDisk) => (stored(r) ? undefined : this.toStored(r));
    const result = await this.records.migrate(signal, done ? undefined : upgrade);
    if (!done && !signal?.aborted && result.unreadable.length === 0)
      await writeFileAtomic(this.migratedMark, `${new Date().toISOString()}\n`, { mode: 0o600 });
    return result;
  }
}
