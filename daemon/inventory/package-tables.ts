/**
 * The site's package tables by generation: `packages.jsonl` (generation 0), then
 * `packages-<n>.jsonl`. New inventories are stored against the newest one. A table only grows (a
 * line per package version ever collected), so once it holds far more lines than the records
 * name, a new generation is started and every record is rewritten against it; the older tables
 * are removed once no record names them. A crash in between leaves both, and the next start
 * finishes the rewrite.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SitePackages } from './site-packages.js';

const TABLE_RE = /^packages(?:-([1-9][0-9]{0,8}))?\.jsonl$/;

export class PackageTables {
  private readonly tables = new Map<number, SitePackages>();
  private newest = 0;
  private found: Promise<void> | undefined;

  /** `dir`: the inventory directory (beside `hosts/`). */
  constructor(readonly dir: string) {}

  private fileOf(generation: number): string {
    return join(this.dir, generation === 0 ? 'packages.jsonl' : `packages-${generation}.jsonl`);
  }

  /** The generations on disk, oldest first. */
  private async generations(): Promise<number[]> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return names
      .map((n) => TABLE_RE.exec(n))
      .filter((m) => m !== null)
      .map((m) => Number(m[1] ?? 0))
      .sort((a, b) => a - b);
  }

  /** Find the newest generation on disk (once). */
  ready(): Promise<void> {
    this.found ??= this.generations().then(
      (gens) => {
        this.newest = Math.max(this.newest, gens.at(-1) ?? 0);
      },
      (err: unknown) => {
        this.found = undefined;
        throw err;
      },
    );
    return this.found;
  }

  /** The table of `generation` (read from disk when first needed). */
  table(generation: number): SitePackages {
    let t = this.tables.get(generation);
    if (!t) {
      t = new SitePackages(this.fileOf(generation));
      this.tables.set(generation, t);
    }
    return t;
  }

  /** The generation new inventories are stored against (after `ready`). */
  get current(): number {
    return this.newest;
  }

  /** Generations older than the current one still on disk. */
  async older(): Promise<number[]> {
    await this.ready();
    return (await this.generations()).filter((g) => g < this.newest);
  }

  /** Store new inventories against a new, empty generation from now on. */
  async start(): Promise<number> {
    await this.ready();
    this.newest++;
    return this.newest;
  }

  /** Remove every generation older than the current one (no record names them any more). */
  async removeOlder(): Promise<void> {
    for (const g of await this.older()) {
      await rm(this.fileOf(g), { force: true });
      this.tables.delete(g);
    }
  }
}
