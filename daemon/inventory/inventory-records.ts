/**
 * Where collected inventories live: `<dataDir>/inventory/hosts/<hostId>.json.gz`, one compressed
 * file per host, whose packages are ids into the site's package table (`inventory/packages.jsonl`,
 * site-packages.ts): 1,500 packages take about 3 KB on disk instead of 25 KB. Records of older
 * versions (plain `.json`, or package objects) are still read.
 *
 * `migrate`, in the background at each start, rewrites such records in the current form, each
 * one atomically; and when the table has grown to many times the lines it had after the last
 * such pass (old package versions no host has any more), it starts a new generation of the table
 * and rewrites every record against it (package-tables.ts). `packages.migrated` records the last
 * complete pass, so a start with nothing to do reads no record.
 *
 * A host read back shares its package objects (frozen) with every other host that has the same
 * packages, and carries its ids (`packageIdsOf`), which assessment uses instead of the names.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DepotError } from '../errors.js';
import { sweepTempFiles, writeFileAtomic } from '../store/atomic-file.js';
import { RecordDir } from '../store/record-dir.js';
import { PackageTables } from './package-tables.js';
import type { SitePackages } from './site-packages.js';
import { parseRecord, type StoredInventory } from './stored-inventory.js';
import type { HostInventory, InstalledPackage } from './types.js';

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

export interface InventoryRecordsOptions {
  /** A new table generation once the table has this many times the lines of the last pass... */
  compactFactor?: number;
  /** ...and at least this many lines. */
  compactMinLines?: number;
}

export class InventoryRecords {
  private readonly records: RecordDir<OnDisk>;
  readonly tables: PackageTables;
  private readonly migratedMark: string;
  /** Puts under way: a new table generation waits for those begun against the older one. */
  private readonly putting = new Set<Promise<unknown>>();
  /** The pass running, if one is. */
  private passing: Promise<{ migrated: number; unreadable: string[] }> | undefined;
  /** Lines of the table after the last complete pass (read by the first pass). */
  private lastLines: number | undefined;

  /** `dir`: the hosts directory; the package tables sit beside it. */
  constructor(
    readonly dir: string,
    private readonly opts: InventoryRecordsOptions = {},
  ) {
    this.records = new RecordDir<OnDisk>(dir, parseRecord, 0o600, { compressed: true });
    this.tables = new PackageTables(join(dir, '..'));
    this.migratedMark = join(dir, '..', 'packages.migrated');
  }

  /** Sweep temp files an interrupted write left: of records, and of the tables and mark beside them. */
  async start(): Promise<void> {
    await this.records.start();
    await sweepTempFiles(join(this.dir, '..'));
  }

  /** The table new inventories are stored against. */
  async packages(): Promise<SitePackages> {
    await this.tables.ready();
    return this.tables.table(this.tables.current);
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
    let r = await this.records.get(id);
    for (let tries = 0; ; tries++) {
      if (!r || !stored(r)) return r;
      try {
        return await this.expand(r);
      } catch (cause) {
        // Another process (the daemon, when this is a CLI command) may have rewritten the record
        // against a new table generation and removed the old table since it was read: read it
        // again, and expand that, rather than report a healthy record corrupt.
        const again = tries < 3 ? await this.records.get(id) : undefined;
        if (again && stored(again) && (again.packageTable ?? 0) !== (r.packageTable ?? 0)) {
          r = again;
          continue;
        }
        throw new DepotError('STORE_CORRUPT', `${this.file(id)}: ${(cause as Error).message}`, { cause });
      }
    }
  }

  private async expand(r: OnDisk): Promise<HostInventory> {
    if (!stored(r)) return r;
    const { packageIds, packageTable, packageCheck, ...head } = r;
    const table = this.tables.table(packageTable ?? 0);
    const packages = Object.freeze(await table.get(packageIds, packageCheck)) as InstalledPackage[];
    const inv: HostInventory = { ...head, packages };
    idsOf.set(inv, { table, ids: packageIds, packages });
    return inv;
  }

  /** Store `inv`: its packages new to the site are on disk before the record that names them. */
  put(id: string, inv: HostInventory): Promise<void> {
    const work = this.toStored(inv).then((r) => this.records.put(id, r));
    const settled = work.catch(() => {});
    this.putting.add(settled);
    void settled.then(() => this.putting.delete(settled));
    return work;
  }

  private async toStored(inv: HostInventory): Promise<StoredInventory> {
    await this.tables.ready();
    const generation = this.tables.current;
    const { packages, ...head } = inv;
    const table = this.tables.table(generation);
    const packageIds = await table.intern(packages);
    const packageCheck = table.check(packageIds);
    return {
      ...head,
      packageIds,
      ...(generation ? { packageTable: generation } : {}),
      ...(packageCheck ? { packageCheck } : {}),
    };
  }

  /**
   * The table has grown past what the last pass left times the factor: a pass would start a new
   * generation. Checked after each collection, so a site (or a host reporting new versions at
   * every collection) need not wait for a restart.
   */
  grown(): boolean {
    const table = this.tables.table(this.tables.current);
    return this.lastLines !== undefined && table.size > this.limit(this.lastLines);
  }

  private limit(lastLines: number): number {
    const { compactFactor = 4, compactMinLines = 20_000 } = this.opts;
    return Math.max(compactMinLines, compactFactor * lastLines);
  }

  /**
   * The background pass (see above): one at a time (a call while one runs gets that one). Returns
   * how many records were rewritten, and the ids of those that could not be read (left as they
   * are, and the older tables with them).
   */
  migrate(signal?: AbortSignal): Promise<{ migrated: number; unreadable: string[] }> {
    this.passing ??= this.pass(signal).finally(() => {
      this.passing = undefined;
    });
    return this.passing;
  }

  private async pass(signal?: AbortSignal): Promise<{ migrated: number; unreadable: string[] }> {
    await this.tables.ready();
    const last = await this.lastPass();
    this.lastLines = last;
    let pass = last === undefined || (await this.tables.older()).length > 0;
    const table = await this.packages();
    await table.load();
    if (last !== undefined && table.size > this.limit(last)) {
      await this.tables.start();
      pass = true;
    }
    // Puts begun against an older table land before the pass, so none lands after it.
    if (pass) await Promise.all(this.putting);
    const current = this.tables.current;
    const unreadable: string[] = [];
    const upgrade = async (r: OnDisk): Promise<OnDisk | undefined> => {
      if (stored(r) && (r.packageTable ?? 0) === current) return undefined;
      try {
        return await this.toStored(await this.expand(r));
      } catch {
        unreadable.push(r.hostId);
        return undefined;
      }
    };
    const result = await this.records.migrate(signal, pass ? upgrade : undefined);
    result.unreadable.push(...unreadable);
    if (pass && !signal?.aborted) {
      const lines = (await this.packages()).size;
      // No collection starts another pass until the table grows by the factor again (a damaged
      // record would otherwise start one after every collection); a start tries while one is left.
      this.lastLines = lines;
      if (result.unreadable.length === 0) {
        await this.tables.removeOlder();
        const mark = { lines, at: new Date().toISOString() };
        await writeFileAtomic(this.migratedMark, `${JSON.stringify(mark)}\n`, { mode: 0o600 });
      }
    }
    return result;
  }

  /** Lines of the table after the last complete pass, or undefined when there was none. */
  private async lastPass(): Promise<number | undefined> {
    try {
      const lines = (JSON.parse(await readFile(this.migratedMark, 'utf8')) as { lines?: unknown }).lines;
      return typeof lines === 'number' && Number.isSafeInteger(lines) && lines >= 0 ? lines : undefined;
    } catch {
      return undefined; // none yet, or damaged: a pass writes it again
    }
  }
}
