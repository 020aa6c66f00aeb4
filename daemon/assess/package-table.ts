/**
 * Installed package -> a number worked out once per distinct package: the lookup assessment does
 * for every installed package of every host (7.5 million of them for 5,000 hosts), so its cost is
 * most of an assessment's. A package is its (name, version, source, source version): two hosts
 * with the same name and version but different source versions (a binNMU) are different packages.
 *
 * Most hosts of a site run the same version of a package. So each name keeps its most common
 * variant inline, in one flat array next to its value: a lookup is one map read by name, then
 * three string compares and one number read in the same few words of memory. Only a package that
 * is not its name's common variant looks its version up among the name's others (a map: a stale
 * fleet has many versions of a name, and a scan compared each of them). Which variant is
 * the common one is decided by a running majority vote per name, so a fleet that upgrades moves
 * its hot variant along with it. (A map keyed by a joined name+version string was slower: it
 * builds and hashes a new string per package. Before this table, each name held a list of ids
 * into a site-wide list of package objects: three more reads per package, each likely a cache
 * miss once the site has tens of thousands of distinct packages.)
 */
import type { InstalledPackage } from '../inventory/types.js';

interface Variant {
  readonly version: string;
  readonly source: string | undefined;
  readonly sourceVersion: string | undefined;
  readonly value: number;
  /** The next variant with the same version (another source or source version). */
  next: Variant | undefined;
}

/** Fields per name in `hot`: version, source, source version, value, lead. */
const STRIDE = 5;
/** A lead is capped so that a variant that became the common one takes over soon enough. */
const MAX_LEAD = 64;

export class PackageTable {
  /** Name -> its index (its fields are at `index * STRIDE` in `hot`). */
  private readonly names = new Map<string, number>();
  /**
   * Per name, flat: its common variant (version, source, source version), that variant's value,
   * and the variant's lead in the vote (hits minus misses, capped).
   */
  private readonly hot: (string | number | undefined)[] = [];
  /** Per name: every variant seen, by version. */
  private readonly variants: Map<string, Variant>[] = [];
  private count = 0;

  /** `resolve` gives a package's value; it is called once per distinct package. */
  constructor(private readonly resolve: (p: InstalledPackage) => number) {}

  get(p: InstalledPackage): number {
    const n = this.names.get(p.name);
    if (n === undefined) return this.add(p);
    const hot = this.hot;
    const at = n * STRIDE;
    if (hot[at] === p.version && hot[at + 1] === p.source && hot[at + 2] === p.sourceVersion) {
      const lead = hot[at + 4] as number;
      if (lead < MAX_LEAD) hot[at + 4] = lead + 1;
      return hot[at + 3] as number;
    }
    return this.other(n, p);
  }

  /** Distinct packages seen. */
  get size(): number {
    return this.count;
  }

  private add(p: InstalledPackage): number {
    const n = this.variants.length;
    const v = this.variant(p, undefined);
    this.names.set(p.name, n);
    this.variants.push(new Map([[v.version, v]]));
    this.hot.push(v.version, v.source, v.sourceVersion, v.value, 1);
    return v.value;
  }

  /** A package that is not its name's common variant: found (or added) among the name's others. */
  private other(n: number, p: InstalledPackage): number {
    const byVersion = this.variants[n]!;
    const first = byVersion.get(p.version);
    let v = first;
    while (v && (v.source !== p.source || v.sourceVersion !== p.sourceVersion)) v = v.next;
    if (!v) {
      v = this.variant(p, first);
      byVersion.set(v.version, v);
    }
    // Majority vote: a miss costs the common variant one point; at zero this one takes its place.
    const at = n * STRIDE;
    const lead = (this.hot[at + 4] as number) - 1;
    if (lead > 0) this.hot[at + 4] = lead;
    else {
      this.hot[at] = v.version;
      this.hot[at + 1] = v.source;
      this.hot[at + 2] = v.sourceVersion;
      this.hot[at + 3] = v.value;
      this.hot[at + 4] = 1;
    }
    return v.value;
  }

  private variant(p: InstalledPackage, next: Variant | undefined): Variant {
    this.count++;
    const { version, source, sourceVersion } = p;
    return { version, source, sourceVersion, value: this.resolve(p), next };
  }
}
