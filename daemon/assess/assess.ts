/**
 * Installed vs catalog. For each installed package the host's release index is looked up by
 * source name (source-keyed fixes) and by binary name (binary-keyed fixes); only fixes whose
 * version is newer than what is installed count as missing. Results per (release, package,
 * installed version) are memoised: hosts of one site share most versions, so 5,000 hosts cost
 * little more than the distinct versions among them.
 */
import type { CatalogIndex, FixRef, ReleaseIndex } from '../catalog/catalog-index.js';
import type { Severity } from '../catalog/model.js';
import { releaseKeyFor } from '../catalog/release-key.js';
import { versionRules } from '../catalog/versions/version-rules.js';
import type { HostInventory } from '../inventory/types.js';
import { rateUnrated } from './rate-unrated.js';
import { sourceCandidates } from './source-guess.js';
import type { HostAssessment, MissingFix, SiteCompliance } from './types.js';

export const emptyBySeverity = (): Record<Severity, number> => ({
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  negligible: 0,
  unknown: 0,
});

interface Match {
  ref: FixRef;
  fixed: string;
}

interface MemoEntry {
  missing: Match[];
  unfixed: number;
}

/** Reusable across hosts of one assessment run (and across runs while the index is unchanged). */
interface ReleaseMemo {
  /** name -> installed version -> result; nested maps keep the inventory's own strings as keys. */
  source: Map<string, Map<string, MemoEntry>>;
  binary: Map<string, Map<string, MemoEntry>>;
  /** binary -> resolved source name, for inventories without source information. */
  sources: Map<string, string>;
}

export class AssessMemo {
  private readonly releases = new Map<string, ReleaseMemo>();
  /** Finding records per memo entry and set of installed binaries, shared between hosts. */
  readonly findings = new Map<MemoEntry, Map<string, readonly MissingFix[]>>();
  constructor(readonly generation: number) {}

  forRelease(release: string): ReleaseMemo {
    let m = this.releases.get(release);
    if (!m) {
      m = { source: new Map(), binary: new Map(), sources: new Map() };
      this.releases.set(release, m);
    }
    return m;
  }

  /** Distinct (release, package, version) evaluations so far. */
  get size(): number {
    let n = 0;
    for (const r of this.releases.values())
      for (const m of [r.source, r.binary]) for (const v of m.values()) n += v.size;
    return n;
  }
}

const evaluate = (
  refs: FixRef[] | undefined,
  installed: string,
  compare: (a: string, b: string) => number,
): MemoEntry => {
  const out: MemoEntry = { missing: [], unfixed: 0 };
  if (!refs) return out;
  // One advisory can list the same package twice (two ranges); keep the lowest fixed version
  // above what is installed, which is the one that closes the hole.
  const best = new Map<string, Match>();
  for (const ref of refs) {
    const { fix } = ref;
    if (fix.introduced !== undefined && compare(installed, fix.introduced) < 0) continue;
    if (fix.fixedVersion === undefined) {
      out.unfixed++;
      continue;
    }
    if (compare(installed, fix.fixedVersion) >= 0) continue;
    const key = `${ref.feedId}\0${ref.advisory.id}`;
    const prev = best.get(key);
    if (!prev || compare(fix.fixedVersion, prev.fixed) < 0) best.set(key, { ref, fixed: fix.fixedVersion });
  }
  out.missing = [...best.values()];
  return out;
};

/** Source package of a binary the inventory gave no source for (see source-guess.ts). */
const resolveSource = (rel: ReleaseIndex, binary: string, version: string, memo: ReleaseMemo): string => {
  if (rel.source.has(binary)) return binary;
  let source = memo.sources.get(binary);
  if (source === undefined) {
    source =
      rel.binaryToSource.get(binary) ??
      sourceCandidates(binary, version).find((c) => rel.source.has(c)) ??
      binary;
    memo.sources.set(binary, source);
  }
  return source;
};

const toMissing = (
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

/**
 * Hosts of a fleet share (source, version, binaries): share the records too (read-only), so
 * 5,000 hosts do not cost 5,000 copies of the same findings.
 */
const sharedFindings = (
  memo: AssessMemo,
  entry: MemoEntry,
  g: { source: string; version: string; binaries: string[] },
): readonly MissingFix[] => {
  let byBinaries = memo.findings.get(entry);
  if (!byBinaries) {
    byBinaries = new Map();
    memo.findings.set(entry, byBinaries);
  }
  const key = g.binaries.join(' ');
  let shared = byBinaries.get(key);
  if (!shared) {
    shared = entry.missing.map((m) => toMissing(m, 'source', g.source, g.binaries, g.version));
    byBinaries.set(key, shared);
  }
  return shared;
};

/** The source package an installed binary was built from, as the inventory or the index says. */
const sourceOfBinary =
  (inv: HostInventory, rel: ReleaseIndex, rmemo: ReleaseMemo) =>
  (binary: string): string | undefined => {
    const p = inv.packages.find((x) => x.name === binary);
    return p && (p.source ?? resolveSource(rel, p.name, p.version, rmemo));
  };

export const assessHost = (
  inv: HostInventory,
  index: CatalogIndex,
  memo = new AssessMemo(index.generation),
): HostAssessment => {
  const release = releaseKeyFor(inv.os);
  const rel = index.releases.get(release);
  const compare = versionRules[inv.ecosystem];
  const bySeverity = emptyBySeverity();
  const result: HostAssessment = {
    hostId: inv.hostId,
    release,
    ecosystem: inv.ecosystem,
    covered: rel !== undefined,
    packages: inv.packages.length,
    missing: [],
    unfixed: 0,
    bySeverity,
    compliant: false,
    rebootRequired: inv.rebootRequired,
    collectedAt: inv.collectedAt,
  };
  if (!rel) return result;
  const rmemo = memo.forRelease(release);
  const lookup = (kind: 'source' | 'binary', name: string, installed: string): MemoEntry => {
    const byName = kind === 'source' ? rmemo.source : rmemo.binary;
    let byVersion = byName.get(name);
    if (!byVersion) {
      byVersion = new Map();
      byName.set(name, byVersion);
    }
    let entry = byVersion.get(installed);
    if (!entry) {
      entry = evaluate((kind === 'source' ? rel.source : rel.binary).get(name), installed, compare);
      byVersion.set(installed, entry);
    }
    return entry;
  };
  // Binaries are grouped by the (source, version) memo entry they resolve to: trackers key fixes
  // on sources, so each (advisory, source) is reported once with every installed binary it
  // touches. Entries with no findings, the vast majority, cost two map lookups and no allocation.
  const affected = new Map<MemoEntry, { source: string; version: string; binaries: string[] }>();
  // Unfixed issues are counted once per (source, version), whatever the number of binaries.
  const withUnfixed = new Set<MemoEntry>();
  const checkBinaries = rel.binary.size > 0;
  for (const p of inv.packages) {
    if (checkBinaries) {
      for (const m of lookup('binary', p.name, p.version).missing) {
        result.missing.push(toMissing(m, 'binary', p.name, [p.name], p.version));
      }
    }
    const source = p.source ?? resolveSource(rel, p.name, p.version, rmemo);
    if (!rel.source.has(source)) continue;
    const version = p.sourceVersion ?? p.version;
    const entry = lookup('source', source, version);
    if (entry.unfixed > 0) withUnfixed.add(entry);
    if (entry.missing.length === 0) continue;
    const group = affected.get(entry);
    if (group) group.binaries.push(p.name);
    else affected.set(entry, { source, version, binaries: [p.name] });
  }
  for (const entry of withUnfixed) result.unfixed += entry.unfixed;
  for (const [entry, g] of affected) {
    const shared = sharedFindings(memo, entry, g);
    // Spread is several times faster than a push loop; very long lists (beyond any real source
    // package, but a hostile feed could try) go element by element to stay under argument limits.
    if (shared.length < 10_000) result.missing.push(...shared);
    else for (const m of shared) result.missing.push(m);
  }
  rateUnrated(result.missing, sourceOfBinary(inv, rel, rmemo), compare);
  for (const m of result.missing) bySeverity[m.severity]++;
  result.compliant = result.missing.length === 0;
  return result;
};

/**
 * A host missing any security fix, whatever its rating (an unrated one is never "no risk"): what
 * "at risk" means on every page and in the API. Severity orders the work, it does not excuse it.
 */
export const isAtRisk = (h: Pick<HostAssessment, 'bySeverity'>): boolean =>
  Object.values(h.bySeverity).some((n) => n > 0);

/** Where one machine stands, for lists and counts: exactly one of these. */
export const HOST_STANDINGS = ['compliant', 'at-risk', 'not-covered', 'not-inventoried'] as const;
export type HostStanding = (typeof HOST_STANDINGS)[number];

export const hostStanding = (
  h: Pick<HostAssessment, 'covered' | 'compliant' | 'bySeverity'> | undefined,
): HostStanding => {
  if (!h) return 'not-inventoried';
  if (!h.covered) return 'not-covered';
  return isAtRisk(h) ? 'at-risk' : 'compliant';
};

export const siteCompliance = (hosts: HostAssessment[]): SiteCompliance => {
  const bySeverity = emptyBySeverity();
  let assessed = 0;
  let compliant = 0;
  let missingFixes = 0;
  let hostsAtRisk = 0;
  let rebootRequired = 0;
  for (const h of hosts) {
    if (h.rebootRequired) rebootRequired++;
    if (!h.covered) continue;
    assessed++;
    if (h.compliant) compliant++;
    missingFixes += h.missing.length;
    for (const [s, n] of Object.entries(h.bySeverity) as [Severity, number][]) bySeverity[s] += n;
    if (isAtRisk(h)) hostsAtRisk++;
  }
  return {
    hosts: hosts.length,
    assessed,
    uncovered: hosts.length - assessed,
    compliant,
    ratio: assessed ? compliant / assessed : undefined,
    missingFixes,
    bySeverity,
    hostsAtRisk,
    rebootRequired,
  };
};
