/**
 * The Reports page's tables, built from the compliance history, the remediation ledger, the
 * current assessment, the cache's traffic and the deployments. Pure: every input is given, so the
 * figures are tested without a daemon.
 */
import { hostStanding } from '../assess/assess.js';
import type { HostAssessment } from '../assess/types.js';
import { type Severity, severities } from '../catalog/model.js';
import { releaseLabel } from '../catalog/release-key.js';
import { fullSeverities, type History } from './history.js';
import {
  DAY_MS,
  daysBetween,
  fixedByList,
  fixedSince,
  isoMs,
  type Ledger,
  openFindingCounts,
} from './remediation.js';
import { type Column, days1, percent, type ReportTable } from './report-table.js';

/** How many days each severity may stay open ("critical fixed within 7 days"). */
export type SlaDays = Record<Severity, number>;

/** How a severity is named in reports: a fix no feed rates is "unrated". */
export const severityLabel = (s: Severity): string => (s === 'unknown' ? 'unrated' : s);

/**
 * Per-severity count columns: the page shows every severity with an SLA that asks for work (low
 * too, or a host's Missing would not add up to its columns), the exports also negligible.
 */
const SEVERITY_COLUMNS: Column[] = severities.map((s) => ({
  key: severityLabel(s),
  label: severityLabel(s),
  numeric: true,
  exportOnly: s === 'negligible',
}));

export const historyTable = (history: History): ReportTable => ({
  name: 'compliance-history',
  title: 'Compliance history',
  columns: [
    { key: 'day', label: 'Day' },
    { key: 'compliance_pct', label: 'Compliance %', numeric: true },
    { key: 'hosts_assessed', label: 'Hosts assessed', numeric: true },
    { key: 'hosts_compliant', label: 'Fully patched', numeric: true },
    { key: 'hosts_at_risk', label: 'At risk', numeric: true },
    { key: 'missing_fixes', label: 'Missing fixes', numeric: true },
    ...SEVERITY_COLUMNS,
    { key: 'reboot_required', label: 'Reboot pending', numeric: true },
  ],
  rows: history.days
    .slice()
    .reverse()
    .map((d) => {
      const sev = fullSeverities(d.bySeverity);
      return {
        day: d.day,
        compliance_pct: percent(d.compliant, d.assessed),
        hosts_assessed: d.assessed,
        hosts_compliant: d.compliant,
        hosts_at_risk: d.hostsAtRisk,
        missing_fixes: d.missingFixes,
        ...Object.fromEntries(severities.map((s) => [severityLabel(s), sev[s]])),
        reboot_required: d.rebootRequired,
      };
    }),
});

/** The largest of many numbers: Math.max(...xs) overflows the stack past about 100,000 of them. */
const largest = (xs: readonly number[]): number =>
  xs.reduce((a, b) => (b > a ? b : a), Number.NEGATIVE_INFINITY);

/** Ages (days) with how many open findings have each: a site's findings share a few thousand ages. */
type Ages = Array<{ age: number; n: number }>;

const countOf = (ages: Ages): number => ages.reduce((a, x) => a + x.n, 0);

/** The median of the ages counted `n` times each (the mean of the middle two when the count is even). */
const median = (ages: Ages): number | null => {
  const total = countOf(ages);
  if (!total) return null;
  const sorted = ages.slice().sort((a, b) => a.age - b.age);
  /** The i-th (0-based) age in sorted order, counting each age n times. */
  const at = (i: number): number => {
    let seen = 0;
    for (const x of sorted) {
      seen += x.n;
      if (i < seen) return x.age;
    }
    return sorted[sorted.length - 1]!.age;
  };
  const mid = Math.floor(total / 2);
  return total % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
};

/** Per severity: what is open and how old, how fast fixes landed, and how many kept their SLA. */
export const remediationTable = (
  ledger: Ledger,
  now: number,
  sla: SlaDays,
  windowDays: number,
): ReportTable => {
  // One pass over the distinct open findings (a big site has hundreds of thousands, shared by hosts).
  const openAges = new Map<Severity, Ages>();
  for (const [f, n] of openFindingCounts(ledger)) {
    const list = openAges.get(f.severity) ?? [];
    list.push({ age: daysBetween(f.firstSeen, now), n });
    openAges.set(f.severity, list);
  }
  // Per severity, the fixes of the window: how many, the days they took in all, how many in the SLA.
  const took = new Map(severities.map((s) => [s, { n: 0, days: 0, inSla: 0 }]));
  for (const [list, hosts] of fixedByList(ledger, now - windowDays * DAY_MS))
    for (const f of list) {
      const seen = isoMs(f.firstSeen);
      const sum = took.get(f.severity)!;
      for (const h of hosts) {
        const days = daysBetween(seen, h.fixedAt);
        sum.n++;
        sum.days += days;
        if (days <= sla[f.severity]) sum.inSla++;
      }
    }
  return {
    name: 'remediation',
    title: `Patch age and time to remediate (fixes of the last ${windowDays} days)`,
    columns: [
      { key: 'severity', label: 'Severity' },
      { key: 'open', label: 'Open', numeric: true },
      { key: 'median_open_age_days', label: 'Median age (days)', numeric: true },
      { key: 'oldest_open_days', label: 'Oldest (days)', numeric: true },
      { key: 'sla_days', label: 'SLA (days)', numeric: true },
      { key: 'open_past_sla', label: 'Open past SLA', numeric: true },
      { key: 'fixed', label: 'Fixed', numeric: true },
      { key: 'mttr_days', label: 'Mean time to remediate (days)', numeric: true },
      { key: 'fixed_within_sla_pct', label: 'Fixed within SLA %', numeric: true },
    ],
    rows: severities.map((s) => {
      const ages = openAges.get(s) ?? [];
      const fixed = took.get(s)!;
      const med = median(ages);
      return {
        severity: severityLabel(s),
        open: countOf(ages),
        median_open_age_days: med === null ? null : days1(med),
        oldest_open_days: ages.length ? days1(largest(ages.map((x) => x.age))) : null,
        sla_days: sla[s],
        open_past_sla: countOf(ages.filter((x) => x.age > sla[s])),
        fixed: fixed.n,
        mttr_days: fixed.n ? days1(fixed.days / fixed.n) : null,
        fixed_within_sla_pct: percent(fixed.inSla, fixed.n),
      };
    }),
  };
};

type HostRow = Pick<
  HostAssessment,
  | 'hostId'
  | 'release'
  | 'covered'
  | 'compliant'
  | 'bySeverity'
  | 'findings'
  | 'collectedAt'
  | 'rebootRequired'
>;

/** One row per assessed host, the ones past their SLA first, then the most exposed. */
export const hostsTable = (
  hosts: readonly HostRow[],
  ledger: Ledger,
  label: (id: string) => string,
  now: number,
  sla: SlaDays,
  windowDays: number,
): ReportTable => {
  const fixedBy = new Map<string, number>();
  for (const h of fixedSince(ledger, now - windowDays * DAY_MS))
    fixedBy.set(h.hostId, (fixedBy.get(h.hostId) ?? 0) + h.findings.length);
  const rows = hosts.map((h) => {
    const open = ledger.hosts[h.hostId]?.open ?? [];
    const ages = open.map((f) => daysBetween(f.firstSeen, now));
    const sev = fullSeverities(h.bySeverity);
    return {
      host: label(h.hostId),
      standing: hostStanding(h),
      release: releaseLabel(h.release),
      release_key: h.release,
      missing_fixes: h.findings.count,
      ...Object.fromEntries(severities.map((s) => [severityLabel(s), sev[s]])),
      oldest_open_days: ages.length ? days1(largest(ages)) : null,
      open_past_sla: open.filter((f) => daysBetween(f.firstSeen, now) > sla[f.severity]).length,
      fixed: fixedBy.get(h.hostId) ?? 0,
      reboot_required: h.rebootRequired ? 'yes' : 'no',
      last_inventory: h.collectedAt,
      host_id: h.hostId,
    };
  });
  rows.sort(
    (a, b) =>
      b.open_past_sla - a.open_past_sla || b.missing_fixes - a.missing_fixes || a.host.localeCompare(b.host),
  );
  return {
    name: 'hosts',
    title: 'Hosts',
    columns: [
      { key: 'host', label: 'Host' },
      { key: 'standing', label: 'Standing' },
      { key: 'release', label: 'Release' },
      { key: 'missing_fixes', label: 'Missing', numeric: true },
      ...SEVERITY_COLUMNS,
      { key: 'oldest_open_days', label: 'Oldest open (days)', numeric: true },
      { key: 'open_past_sla', label: 'Past SLA', numeric: true },
      { key: 'fixed', label: `Fixed (${windowDays} d)`, numeric: true },
      { key: 'reboot_required', label: 'Reboot pending' },
      { key: 'last_inventory', label: 'Last inventory', time: true },
      { key: 'host_id', label: 'Host id', exportOnly: true },
      { key: 'release_key', label: 'Release key', exportOnly: true },
    ],
    rows,
  };
};
