/**
 * What one assessment run (and the next ones, while the catalog index is unchanged) shares between
 * hosts. Installed packages are interned once per site: each distinct (name, version, source,
 * source version) becomes one small integer, so a host's inventory is a list of integers and each
 * distinct (release, source package, version) is evaluated once, however many hosts run it.
 * Finding records are built once per (source package, version, set of installed binaries) and
 * shared, read-only, by every host that has them.
 */
import type { FixRef, ReleaseIndex } from '../catalog/catalog-index.js';
import type { Severity } from '../catalog/model.js';
import type { VersionCompare } from '../catalog/versions/version-rules.js';
import type { InstalledPackage } from '../inventory/types.js';
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
  /** Scratch for the host being assessed: its binaries built from this entry. */
  binaries: string[];
}

/** One distinct installed package across the site. */
export interface Installed {
  readonly name: string;
  readonly version: string;
  readonly source: string | undefined;
  readonly sourceVersion: string | undefined;
}

/** Site-wide table of installed packages: a package's id is its index in `list`. */
export class PackageTable {
  readonly list: Installed[] = [];
  /** Binary name -> ids of its distinct (version, source, source version) variants. */
  private readonly byName = new Map<string, number[]>();

  id(p: InstalledPackage): number {
    const variants = this.byName.get(p.name);
    if (variants) {
      // A name has a handful of variants across a site: a scan with string equality is cheaper
      // than hashing the version. A hit moves one place forward, so the fleet's common version
      // (often the very same string, equal at a pointer compare) is soon the first one tried.
      for (let i = 0; i < variants.length; i++) {
        const id = variants[i]!;
        const v = this.list[id]!;
        if (v.version !== p.version || v.source !== p.source || v.sourceVersion !== p.sourceVersion) continue;
        if (i > 0) {
          variants[i] = variants[i - 1]!;
          variants[i - 1] = id;
        }
        return id;
      }
    }
    const id = this.list.length;
    this.list.push({ name: p.name, version: p.version, source: p.source, sourceVersion: p.sourceVersion });
    if (variants) variants.push(id);
    else this.byName.set(p.name, [id]);
    return id;
  }
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

/** `ReleaseMemo.entryOf` codes: not resolved yet, or no fix names the package's source. */
const UNRESOLVED = 0;
const NO_FIXES = 1;

/**
 * One release's evaluations, by package id (see PackageTable), held in integer arrays: a host's
 * package costs a few array reads; entry objects are touched only for packages with findings.
 */
export class ReleaseMemo {
  /** Package id -> UNRESOLVED, NO_FIXES, or 2 + the index of its source-keyed entry. */
  private entryOf = new Int32Array(1024);
  readonly entries: MemoEntry[] = [];
  /** Per entry: its number of missing fixes and of unfixed issues (copies of the entry's). */
  missingOf = new Int32Array(256);
  unfixedOf = new Int32Array(256);
  /** Per entry: serial of the last host that counted it. */
  seenBy = new Int32Array(256);
  private readonly binaryOf: (MemoEntry | undefined)[] = [];
  /** Source package -> installed version -> entry index. */
  private readonly sources = new Map<string, Map<string, number>>();
  /** Binary -> resolved source name, for inventories without source information. */
  private readonly guessed = new Map<string, string>();

  constructor(
    private readonly rel: ReleaseIndex,
    private readonly compare: VersionCompare,
    private readonly table: PackageTable,
  ) {}

  /** Index of the source-keyed entry of package `id`, or -1 when no fix names its source. */
  source(id: number): number {
    const code = id < this.entryOf.length ? this.entryOf[id]! : UNRESOLVED;
    if (code !== UNRESOLVED) return code - 2;
    const k = this.resolve(id);
    this.entryOf = grown(this.entryOf, id);
    this.entryOf[id] = k + 2;
    return k;
  }

  private resolve(id: number): number {
    const p = this.table.list[id]!;
    const source = p.source ?? this.resolveSource(p.name, p.version);
    const refs = this.rel.source.get(source);
    if (!refs) return NO_FIXES - 2;
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

  /** The binary-keyed evaluation for package `id` (apt repository feeds). */
  binary(id: number): MemoEntry {
    let entry = this.binaryOf[id];
    if (!entry) {
      const p = this.table.list[id]!;
      entry = evaluate(p.name, p.version, this.rel.binary.get(p.name), this.compare);
      this.binaryOf[id] = entry;
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
    for (const e of this.binaryOf) if (e) n++;
    return n;
  }
}

export class AssessMemo {
  readonly packages = new PackageTable();
  private readonly releases = new Map<string, ReleaseMemo>();
  /** Serial of the host being assessed (ReleaseMemo.seenBy). */
  serial = 0;
  /** Scratch for the host being assessed: its package ids and their entries. */
  ids = new Uint32Array(2048);
  resolved = new Int32Array(2048);
  constructor(readonly generation: number) {}

  forRelease(release: string, rel: ReleaseIndex, compare: VersionCompare): ReleaseMemo {
    let m = this.releases.get(release);
    if (!m) {
      m = new ReleaseMemo(rel, compare, this.packages);
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

/**
 * The findings of `entry` for hosts with exactly these binaries built from it: built once, then
 * shared (read-only) by every such host, with its counts by severity.
 */
export const groupOf = (entry: MemoEntry, binaries: string[]): FindingGroup => {
  const last = entry.last?.fixes[0]?.binaries;
  if (last && last.length === binaries.length && last.every((b, i) => b === binaries[i])) return entry.last!;
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
  return group;
};
