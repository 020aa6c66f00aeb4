/**
 * From the assessment to what each host must change: the smallest set of package upgrades that
 * closes the selected fixes. A source-keyed fix (a tracker names the source package) upgrades the
 * installed binaries built from it; the same binary named by several advisories is upgraded once,
 * to the highest fixed version under the host's own version rules. A dry run on the host then
 * shows the real transaction; one that would remove a package nobody allowed is refused, by name.
 */

import { missingFixesOf } from '../assess/assess.js';
import type { HostAssessment, MissingFix } from '../assess/types.js';
import { type Severity, severityRank } from '../catalog/model.js';
import { versionRules } from '../catalog/versions/version-rules.js';
import type { DryRunResult, HostChange, PackageAction, PackageUpgrade } from './ports.js';

/** What the admin picked on Patches: any combination narrows; nothing picked means everything. */
export interface PlanSelection {
  advisories?: readonly string[] | undefined;
  /** Source or binary package names. */
  packages?: readonly string[] | undefined;
  hosts?: readonly string[] | undefined;
}

export interface AdvisoryInfo {
  severity: Severity;
  summary: string;
  cves: string[];
}

export interface Plan {
  changes: HostChange[];
  /** Every advisory the plan closes somewhere, for approvals (severity) and display. */
  advisories: Record<string, AdvisoryInfo>;
  /** Selected hosts with nothing to change, and why. */
  notApplicable: Array<{ hostId: string; reason: string }>;
}

const picks = (list: readonly string[] | undefined, ...values: string[]): boolean =>
  list === undefined || list.length === 0 || values.some((v) => list.includes(v));

/** An advisory picked by its id or one of its CVEs, in any case (`cve-2024-1234` as typed at a shell). */
const picksAdvisory = (list: readonly string[] | undefined, fix: MissingFix): boolean =>
  list === undefined ||
  list.length === 0 ||
  [fix.advisoryId, ...fix.cves].some((id) => list.some((v) => v.toUpperCase() === id.toUpperCase()));

const selected = (fix: MissingFix, s: PlanSelection): boolean =>
  picksAdvisory(s.advisories, fix) && picks(s.packages, fix.package, ...fix.binaries);

/** The upgrades closing `fixes` on one host: one per binary, at the highest fixed version. */
export const upgradesFor = (ecosystem: HostChange['ecosystem'], fixes: readonly MissingFix[]) => {
  const compare = versionRules[ecosystem];
  const byName = new Map<string, PackageUpgrade>();
  for (const fix of fixes) {
    const binaries = fix.binaries.length ? fix.binaries : [fix.package];
    for (const name of binaries) {
      const known = byName.get(name);
      if (!known) {
        byName.set(name, { name, version: fix.fixed, advisories: [fix.advisoryId] });
        continue;
      }
      if (compare(fix.fixed, known.version) > 0) known.version = fix.fixed;
      if (!known.advisories.includes(fix.advisoryId)) known.advisories.push(fix.advisoryId);
    }
  }
  for (const u of byName.values()) u.advisories.sort();
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
};

const noteAdvisory = (into: Record<string, AdvisoryInfo>, fix: MissingFix): void => {
  const known = into[fix.advisoryId];
  if (known && severityRank[known.severity] <= severityRank[fix.severity]) return;
  into[fix.advisoryId] = { severity: fix.severity, summary: fix.summary, cves: [...fix.cves] };
};

export const buildPlan = (
  assessments: readonly HostAssessment[],
  selection: PlanSelection,
  allowRemove: readonly string[] = [],
): Plan => {
  const plan: Plan = { changes: [], advisories: {}, notApplicable: [] };
  for (const host of assessments) {
    if (!picks(selection.hosts, host.hostId)) continue;
    const fixes = missingFixesOf(host).filter((f) => selected(f, selection));
    if (fixes.length === 0) {
      const reason = host.covered
        ? 'none of the selected fixes is missing here'
        : `no feed covers ${host.release}: nothing to plan`;
      plan.notApplicable.push({ hostId: host.hostId, reason });
      continue;
    }
    for (const fix of fixes) noteAdvisory(plan.advisories, fix);
    plan.changes.push({
      hostId: host.hostId,
      ecosystem: host.ecosystem,
      upgrades: upgradesFor(host.ecosystem, fixes),
      allowRemove: [...allowRemove],
    });
  }
  for (const id of selection.hosts ?? []) {
    if (!assessments.some((a) => a.hostId === id))
      plan.notApplicable.push({ hostId: id, reason: 'no inventory yet: collect it first' });
  }
  // Most severe first, then by id (CVE-2026-999 before CVE-2026-1000): the order every page lists them in.
  plan.advisories = Object.fromEntries(
    Object.entries(plan.advisories).sort(
      ([a, x], [b, y]) =>
        severityRank[x.severity] - severityRank[y.severity] || a.localeCompare(b, 'en', { numeric: true }),
    ),
  );
  return plan;
};

/** Packages the transaction would remove that the change does not allow, by name. */
export const refusedRemovals = (change: HostChange, actions: readonly PackageAction[]): string[] =>
  actions.filter((a) => a.action === 'remove' && !change.allowRemove.includes(a.name)).map((a) => a.name);

/** The dry run's actions for the plan, or the refusal naming each package it would remove. */
export const checkDryRun = (
  change: HostChange,
  result: DryRunResult,
): { ok: true; actions: PackageAction[] } | { ok: false; reason: string } => {
  const removed = refusedRemovals(change, result.actions);
  if (removed.length === 0) return { ok: true, actions: result.actions };
  return {
    ok: false,
    reason: `the upgrade would remove ${removed.join(', ')}; allow ${removed.length > 1 ? 'these removals' : 'this removal'} explicitly to go ahead`,
  };
};

/** The key of one update on any host: a package at a version (breakers and halts use it). */
export const updateKey = (u: Pick<PackageUpgrade, 'name' | 'version'>): string => `${u.name}=${u.version}`;
