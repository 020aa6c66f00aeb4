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
export class AssessMemo {
  readonly entries = new Map<string, MemoEntry>();
  readonly sources = new Map<string, string>();
  constructor(readonly generation: number) {}
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
const resolveSource = (
  release: string,
  rel: ReleaseIndex,
  binary: string,
  version: string,
  memo: AssessMemo,
): string => {
  if (rel.source.has(binary)) return binary;
  const key = `${release}\0${binary}`;
  let source = memo.sources.get(key);
  if (source === undefined) {
    source =
      rel.binaryToSource.get(binary) ??
      sourceCandidates(binary, version).find((c) => rel.source.has(c)) ??
      binary;
    memo.sources.set(key, source);
  }
  return source;
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
  // Several binaries of one source package share its fixes: report each (advisory, source) once.
  const bySource = new Map<string, MissingFix>();
  const seenSource = new Set<string>();
  const lookup = (kind: 'source' | 'binary', name: string, installed: string): MemoEntry => {
    const key = `${release}\0${kind}\0${name}\0${installed}`;
    let entry = memo.entries.get(key);
    if (!entry) {
      entry = evaluate((kind === 'source' ? rel.source : rel.binary).get(name), installed, compare);
      memo.entries.set(key, entry);
    }
    return entry;
  };
  const record = (
    m: Match,
    kind: 'source' | 'binary',
    pkg: string,
    binary: string,
    installed: string,
  ): void => {
    const key = `${m.ref.feedId}\0${m.ref.advisory.id}\0${kind}\0${pkg}`;
    const existing = bySource.get(key);
    if (existing) {
      if (!existing.binaries.includes(binary)) existing.binaries.push(binary);
      return;
    }
    const adv = m.ref.advisory;
    bySource.set(key, {
      advisoryId: adv.id,
      cves: adv.cves,
      severity: m.ref.fix.severity ?? adv.severity,
      summary: adv.summary,
      url: adv.url,
      feedId: m.ref.feedId,
      package: pkg,
      packageKind: kind,
      binaries: [binary],
      installed,
      fixed: m.fixed,
    });
  };
  for (const p of inv.packages) {
    const source = p.source ?? resolveSource(release, rel, p.name, p.version, memo);
    const sourceVersion = p.sourceVersion ?? p.version;
    const src = lookup('source', source, sourceVersion);
    for (const m of src.missing) record(m, 'source', source, p.name, sourceVersion);
    const sourceKey = `${source}\0${sourceVersion}`;
    if (!seenSource.has(sourceKey)) {
      seenSource.add(sourceKey);
      result.unfixed += src.unfixed;
    }
    const bin = lookup('binary', p.name, p.version);
    for (const m of bin.missing) record(m, 'binary', p.name, p.name, p.version);
  }
  result.missing = [...bySource.values()];
  for (const m of result.missing) bySeverity[m.severity]++;
  result.compliant = result.missing.length === 0;
  return result;
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
    if (h.bySeverity.critical + h.bySeverity.high > 0) hostsAtRisk++;
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
