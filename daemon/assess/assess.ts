/**
 * Installed vs catalog. Each installed package is interned once per site (memo.ts), then looked up
 * in the host's release index by source name (source-keyed fixes) and by binary name
 * (binary-keyed fixes); only fixes whose version is newer than what is installed count as missing.
 * Results per (release, package, installed version) are memoised: hosts of one site share most
 * versions, so 5,000 hosts cost little more than the distinct versions among them. A host's result
 * holds counts and references to shared finding groups; `missingFixesOf` lists its fixes on demand.
 */
import type { CatalogIndex } from '../catalog/catalog-index.js';
import type { Severity } from '../catalog/model.js';
import { releaseKeyFor } from '../catalog/release-key.js';
import { versionRules } from '../catalog/versions/version-rules.js';
import { packageIdsOf } from '../inventory/inventory-records.js';
import type { HostInventory } from '../inventory/types.js';
import {
  AssessMemo,
  addBinary,
  emptyBySeverity,
  firstBinary,
  groupOf,
  type MemoEntry,
  type ReleaseMemo,
  toMissing,
} from './memo.js';
import { rateUnrated } from './rate-unrated.js';
import type { FindingGroup, HostAssessment, HostFindings, MissingFix, SiteCompliance } from './types.js';

export { AssessMemo, emptyBySeverity };

const NO_FINDINGS: HostFindings = Object.freeze({ count: 0, own: [], groups: [] });

/** A host's missing fixes, built on demand (records are shared between hosts: read-only). */
export const missingFixesOf = (h: Pick<HostAssessment, 'findings'>): MissingFix[] => {
  const { own, groups } = h.findings;
  const out: MissingFix[] = own.slice();
  for (const g of groups) for (const f of g.fixes) out.push(f);
  return out;
};

/** Findings listed one by one (tests, and hosts assessed elsewhere). */
export const findingsOf = (fixes: readonly MissingFix[]): HostFindings =>
  fixes.length ? { count: fixes.length, own: fixes, groups: [] } : NO_FINDINGS;

/** Binary-keyed findings of a host (apt repository feeds): its own records, rated below. */
const binaryFindings = (inv: HostInventory, rm: ReleaseMemo): MissingFix[] => {
  const out: MissingFix[] = [];
  for (const p of inv.packages) {
    const entry = rm.binary(p);
    if (entry.missing.length === 0) continue;
    for (const m of entry.missing) out.push(toMissing(m, 'binary', p.name, [p.name], p.version));
  }
  return out;
};

/**
 * Rate the host's unrated binary fixes against its source fixes (rate-unrated.ts): needs the
 * whole list, so it is built here for the few hosts that have binary-keyed findings.
 */
const rateOwn = (
  inv: HostInventory,
  own: MissingFix[],
  groups: FindingGroup[],
  rm: ReleaseMemo,
  compare: (a: string, b: string) => number,
): MissingFix[] => {
  if (own.length === 0) return own;
  const all = missingFixesOf({ findings: { count: 0, own, groups } });
  const sourceOf = (binary: string): string | undefined => {
    const p = inv.packages.find((x) => x.name === binary);
    return p && (p.source ?? rm.resolveSource(p.name, p.version));
  };
  rateUnrated(all, sourceOf, compare);
  return all.slice(0, own.length);
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
    findings: NO_FINDINGS,
    unfixed: 0,
    bySeverity,
    compliant: false,
    rebootRequired: inv.rebootRequired,
    collectedAt: inv.collectedAt,
  };
  if (!rel) return result;
  const rm = memo.forRelease(release, rel, compare);
  const pkgs = inv.packages;
  const n = pkgs.length;
  if (memo.resolved.length < n) memo.resolved = new Int32Array(n);
  const ks = memo.resolved;
  // Binaries are grouped by the (source, version) entry they resolve to: trackers key fixes on
  // sources, so each (advisory, source) is reported once with every installed binary it touches.
  // Unfixed issues count once per (source, version). Entries with no findings, the vast majority,
  // cost one array read.
  const serial = ++memo.serial;
  const affected: MemoEntry[] = [];
  // Each package's source-keyed entry (or -1), resolved first: resolving may grow the arrays.
  rm.sourcesOf(pkgs, packageIdsOf(inv), ks);
  const { missingOf, unfixedOf, seenBy, entries } = rm;
  for (let i = 0; i < n; i++) {
    const k = ks[i]!;
    if (k < 0) continue;
    if (seenBy[k] !== serial) {
      seenBy[k] = serial;
      result.unfixed += unfixedOf[k]!;
      if (missingOf[k] === 0) continue;
      const entry = entries[k]!;
      firstBinary(entry, pkgs[i]!.name);
      affected.push(entry);
    } else if (missingOf[k] !== 0) addBinary(entries[k]!, pkgs[i]!.name);
  }
  const groups = affected.map(groupOf);
  const own = rateOwn(inv, rm.hasBinaryFixes ? binaryFindings(inv, rm) : [], groups, rm, compare);
  let count = own.length;
  for (const m of own) bySeverity[m.severity]++;
  for (const g of groups) {
    count += g.fixes.length;
    for (const s in g.bySeverity) bySeverity[s as Severity] += g.bySeverity[s as Severity];
  }
  if (count) result.findings = { count, own, groups };
  result.compliant = count === 0;
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
    missingFixes += h.findings.count;
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
