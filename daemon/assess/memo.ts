/**
 * What one assessment run (and the next ones, while the catalog index is unchanged) shares between
 * hosts. Each distinct installed package (name, version, source, source version) of a release is
 * resolved once to the entry of its (source package, version), and each entry is evaluated once,
 * however many hosts run it. Finding records are built once per (source package, version, set of
 * installed binaries) and shared, read-only, by every host that has them.
 */
import type { FixRef, ReleaseIndex } from '../catalog/catalog-index.js';
import type { Severity } from '../catalog/model.js';
import type { VersionCompare } from '../catalog/versions/version-rules.js';
import type { PackageIds } from '../inventory/inventory-records.js';
import type { InstalledPackage } from '../inventory/types.js';
import { PackageTable } from './package-table.js';
import { sourceCandidates } from './source-guess.js';
import type { FindingGroup, MissingFix } from './types.js';

export interface Match {
  ref: FixRef;
  fixed: string;
}

/** Fixes of one package at one installed version, in one release. */
export interface MemoEntry {
  readonly name: string;
  readonly version: string;
  missing: Match[];
  unfixed: number;
  /** Finding groups by installed binaries (space-joined), built the first time a host needs one. */
  groups: Map<string, FindingGroup> | undefined;
  /** The group built or found last: the next host nearly always has the same binaries. */
  last: FindingGroup | undefined;
  /** The installed binaries of `last`. */
  lastBinaries: readonly string[] | undefined;
  /**
   * Scratch for the host being assessed: how many of its binaries built from this entry matched
   * `lastBinaries` so far, in order, or -1 once they differed; then `binaries` lists them. Most
   * hosts match, and then no list is built for them.
   */
  matched: number;
  binaries: string[];
}

const evaluate = (
  name: string,
  version: string,
  refs: FixRef[] | undefined,
  compare: VersionCompare,
): MemoEntry => {
  const out: MemoEntry = {
    name,
    version,
    missing: [],
    unfixed: 0,
    groups: undefined,
    last: undefined,
    lastBinaries: undefined,
    matched: 0,
    binaries: [],
  };
  if (!refs) return out;
  // One advisory can list the same package twice (two ranges); keep the lowest fixed version
  // above what is installed, which is the one that closes the hole.
  const best = new Map<string, Match>();
  for (const ref of refs) {
    const { fix } = ref;
    if (fix.introduced !== undefined && compare(version, fix.introduced) < 0) continue;
    if (fix.fixedVersion === undefined) {
      out.unfixed++;
      continue;
    }
    if (compare(version, fix.fixedVersion) >= 0) continue;
    const key = `${ref.feedId}\0${ref.advisory.id}`;
    const prev = best.get(key);
    if (!prev || compare(fix.fixedVersion, prev.fixed) < 0) best.set(key, { ref, fixed: fix.fixedVersion });
  }
  out.missing = [...best.values()];
  return out;
};

/** An Int32Array that grows (doubling) to hold index `i`. */
const grown = (a: Int32Array<ArrayBuffer>, i: number): Int32Array<ArrayBuffer> => {
  if (i < a.length) return a;
  const b = new Int32Array(Math.max(i + 1, a.length * 2));
  b.set(a);
  return b;
};

/** A package no fix names the source of. */
const NO_FIXES = -1;

/**
 * One release's evaluations, indexed by integers: a host's package costs one lookup in the
 * package table and a few array reads; entry objects are touched only for packages with findings.
 */
export class ReleaseMemo {
  /** Installed package -> the index of its source-keyed entry, or NO_FIXES. */
  private readonly packages = new PackageTable((p) => this.resolve(p));
  readonly entries: MemoEntry[] = [];
  /** Per entry: its number of missing fixes and of unfixed issues (copies of the entry's). */
  missingOf = new Int32Array(256);
  unfixedOf = new Int32Array(256);
  /** Per entry: serial of the last host that counted it. */
  seenBy = new Int32Array(256);
  /** Binary name -> installed version -> its binary-keyed evaluation. */
  private readonly binaryOf = new Map<string, Map<string, MemoEntry>>();
  /** Source package -> installed version -> entry index. */
  private readonly sources = new Map<string, Map<string, number>>();
  /** Binary -> resolved source name, for inventories without source information. */
  private readonly guessed = new Map<string, string>();
  /** Site package id -> source-keyed entry + 2 (0: not seen yet), for ids of `idTable` (sourcesOf). */
  private byId = new Int32Array(1024);
  private idTable: PackageIds['table'] | undefined;

  constructor(
    private readonly rel: ReleaseIndex,
    private readonly compare: VersionCompare,
  ) {}

  /** Index of the source-keyed entry of installed package `p`, or -1 when no fix names its source. */
  source(p: InstalledPackage): number {
    return this.packages.get(p);
  }

  /**
   * `source` of each of a host's packages, given as ids into the site's package table: one array
   * read per package once its id has been seen (the package table's ids are stable). The first
   * table seen is the one remembered; another one's ids are looked up by name.
   */
  sourcesOf(pkgs: readonly InstalledPackage[], sited: PackageIds | undefined, out: Int32Array): void {
    const n = pkgs.length;
    if (sited && this.idTable === undefined) this.idTable = sited.table;
    if (!sited || sited.table !== this.idTable) {
      for (let i = 0; i < n; i++) out[i] = this.packages.get(pkgs[i]!);
      return;
    }
    const { ids } = sited;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (id >= this.byId.length) this.byId = grown(this.byId, id);
      // Kept as entry + 2: 0 is "not seen yet", 1 is NO_FIXES.
      let k = this.byId[id]! - 2;
      if (k === -2) {
        k = this.packages.get(pkgs[i]!);
        this.byId[id] = k + 2;
      }
      out[i] = k;
    }
  }

  private resolve(p: InstalledPackage): number {
    const source = p.source ?? this.resolveSource(p.name, p.version);
    const refs = this.rel.source.get(source);
    if (!refs) return NO_FIXES;
    const version = p.sourceVersion ?? p.version;
    let byVersion = this.sources.get(source);
    if (!byVersion) {
      byVersion = new Map();
      this.sources.set(source, byVersion);
    }
    let k = byVersion.get(version);
    if (k === undefined) {
      const entry = evaluate(source, version, refs, this.compare);
      k = this.entries.length;
      this.entries.push(entry);
      this.missingOf = grown(this.missingOf, k);
      this.unfixedOf = grown(this.unfixedOf, k);
      this.seenBy = grown(this.seenBy, k);
      this.missingOf[k] = entry.missing.length;
      this.unfixedOf[k] = entry.unfixed;
      byVersion.set(version, k);
    }
    return k;
  }

  /** The binary-keyed evaluation of installed package `p` (apt repository feeds). */
  binary(p: InstalledPackage): MemoEntry {
    let byVersion = this.binaryOf.get(p.name);
    if (!byVersion) {
      byVersion = new Map();
      this.binaryOf.set(p.name, byVersion);
    }
    let entry = byVersion.get(p.version);
    if (!entry) {
      entry = evaluate(p.name, p.version, this.rel.binary.get(p.name), this.compare);
      byVersion.set(p.version, entry);
    }
    return entry;
  }

  get hasBinaryFixes(): boolean {
    return this.rel.binary.size > 0;
  }

  /** Source package of a binary the inventory gave no source for (see source-guess.ts). */
  resolveSource(binary: string, version: string): string {
    if (this.rel.source.has(binary)) return binary;
    let source = this.guessed.get(binary);
    if (source === undefined) {
      source =
        this.rel.binaryToSource.get(binary) ??
        sourceCandidates(binary, version).find((c) => this.rel.source.has(c)) ??
        binary;
      this.guessed.set(binary, source);
    }
    return source;
  }

  /** Distinct (package, version) evaluations so far. */
  get size(): number {
    let n = this.entries.length;
    for (const byVersion of this.binaryOf.values()) n += byVersion.size;
    return n;
  }
}

export class AssessMemo {
  private readonly releases = new Map<string, ReleaseMemo>();
  /** Serial of the host being assessed (ReleaseMemo.seenBy). */
  serial = 0;
  /** Scratch for the host being assessed: its packages' source-keyed entries. */
  resolved = new Int32Array(2048);
  constructor(readonly generation: number) {}

  forRelease(release: string, rel: ReleaseIndex, compare: VersionCompare): ReleaseMemo {
    let m = this.releases.get(release);
    if (!m) {
      m = new ReleaseMemo(rel, compare);
      this.releases.set(release, m);
    }
    return m;
  }

  /** Distinct (release, package, version) evaluations so far. */
  get size(): number {
    let n = 0;
    for (const r of this.releases.values()) n += r.size;
    return n;
  }
}

export const toMissing = (
  m: Match,
  kind: 'source' | 'binary',
  pkg: string,
  binaries: string[],
  installed: string,
): MissingFix => {
  const adv = m.ref.advisory;
  return {
    advisoryId: adv.id,
    cves: adv.cves,
    severity: m.ref.fix.severity ?? adv.severity,
    summary: adv.summary,
    url: adv.url,
    feedId: m.ref.feedId,
    package: pkg,
    packageKind: kind,
    binaries,
    installed,
    fixed: m.fixed,
  };
};

export const emptyBySeverity = (): Record<Severity, number> => ({
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  negligible: 0,
  unknown: 0,
});

/** Start the binaries of the host being assessed that are built from `entry` with `binary`. */
export const firstBinary = (entry: MemoEntry, binary: string): void => {
  entry.matched = 0;
  addBinary(entry, binary);
};

/** One more binary of the host being assessed built from `entry`. */
export const addBinary = (entry: MemoEntry, binary: string): void => {
  const last = entry.lastBinaries;
  if (entry.matched >= 0) {
    if (last !== undefined && entry.matched < last.length && last[entry.matched] === binary) {
      entry.matched++;
      return;
    }
    entry.binaries = last ? last.slice(0, entry.matched) : [];
    entry.matched = -1;
  }
  entry.binaries.push(binary);
};

/**
 * The findings of `entry` for hosts with exactly the binaries noted with `firstBinary` and
 * `addBinary`: built once, then shared (read-only) by every such host, with its counts by severity.
 */
export const groupOf = (entry: MemoEntry): FindingGroup => {
  const last = entry.lastBinaries;
  if (entry.matched >= 0 && last !== undefined && entry.matched === last.length) return entry.last!;
  const binaries = entry.matched >= 0 ? last!.slice(0, entry.matched) : entry.binaries;
  entry.groups ??= new Map();
  const key = binaries.length === 1 ? binaries[0]! : binaries.join(' ');
  let group = entry.groups.get(key);
  if (!group) {
    const fixes = entry.missing.map((m) => toMissing(m, 'source', entry.name, binaries, entry.version));
    const bySeverity = emptyBySeverity();
    for (const f of fixes) bySeverity[f.severity]++;
    group = { fixes, bySeverity };
    entry.groups.set(key, group);
  }
  entry.last = group;
  entry.lastBinaries = group.fixes[0]!.binaries;
  return group;
};
