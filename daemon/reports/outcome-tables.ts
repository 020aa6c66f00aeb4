/**
 * The Reports page's other tables: advisories across the site, the cache's traffic per day, and
 * what each deployment achieved. Pure, like report-tables.ts.
 */
import type { AdvisoryImpact } from '../assess/assess-service.js';
import { severityRank } from '../catalog/model.js';
import type { DeploymentSummary } from '../deploy/deployment-summary.js';
import type { HostOutcome } from '../deploy/ports.js';
import {
  DAY_MS,
  daysBetween,
  fixedByList,
  type Ledger,
  type OpenFinding,
  openFindingCounts,
} from './remediation.js';
import { days1, percent, type ReportTable } from './report-table.js';
import { type SlaDays, severityLabel } from './report-tables.js';

/**
 * Per key of a fixed finding (an advisory): how many distinct hosts fixed one since `since`. A host
 * that fixed it twice (it came back in between) or in two packages counts once. Hosts are bits of
 * one set per key (a 90-day window at 5,000 hosts is 600,000 fixes: a Set of ids per advisory
 * held the Reports page 200 ms).
 */
const hostsFixedBy = (
  ledger: Ledger,
  since: number,
  keyOf: (f: OpenFinding) => string,
): Map<string, number> => {
  const lists = [...fixedByList(ledger, since)];
  const hostIndex = new Map<string, number>();
  const indexed = lists.map(([list, hosts]) => {
    const bits = hosts.map((h) => {
      let i = hostIndex.get(h.hostId);
      if (i === undefined) {
        i = hostIndex.size;
        hostIndex.set(h.hostId, i);
      }
      return i;
    });
    return { list, bits };
  });
  const words = Math.ceil(hostIndex.size / 32);
  const sets = new Map<string, Uint32Array>();
  for (const { list, bits } of indexed)
    for (const f of list) {
      const k = keyOf(f);
      let set = sets.get(k);
      if (!set) {
        set = new Uint32Array(words);
        sets.set(k, set);
      }
      for (const i of bits) set[i >>> 5]! |= 1 << (i & 31);
    }
  const counts = new Map<string, number>();
  for (const [k, set] of sets) {
    let n = 0;
    for (let w of set) for (; w; n++) w &= w - 1;
    counts.set(k, n);
  }
  return counts;
};

/** One row per advisory some host misses now or had fixed in the window: where each one stands. */
export const advisoriesTable = (
  advisories: readonly AdvisoryImpact[],
  ledger: Ledger,
  now: number,
  sla: SlaDays,
  windowDays: number,
): ReportTable => {
  const key = (feedId: string, advisoryId: string) => `${feedId}\0${advisoryId}`;
  const firstSeen = new Map<string, number>();
  for (const f of openFindingCounts(ledger).keys()) {
    const k = key(f.feedId, f.advisoryId);
    const t = Date.parse(f.firstSeen);
    if (!(firstSeen.get(k)! <= t)) firstSeen.set(k, t);
  }
  const fixed = hostsFixedBy(ledger, now - windowDays * DAY_MS, (f) => key(f.feedId, f.advisoryId));
  const rows = [...advisories]
    .sort(
      (a, b) =>
        severityRank[a.severity] - severityRank[b.severity] ||
        b.hosts.size - a.hosts.size ||
        a.advisoryId.localeCompare(b.advisoryId),
    )
    .map((a) => {
      const seen = firstSeen.get(key(a.feedId, a.advisoryId));
      const age = seen === undefined ? null : daysBetween(seen, now);
      return {
        advisory: a.advisoryId,
        feed: a.feedId,
        severity: severityLabel(a.severity),
        cves: a.cves.join(' '),
        packages: a.packages.join(' '),
        hosts_missing: a.hosts.size,
        hosts_fixed: fixed.get(key(a.feedId, a.advisoryId)) ?? 0,
        first_seen: seen === undefined ? null : new Date(seen).toISOString(),
        age_days: age === null ? null : days1(age),
        past_sla: age !== null && age > sla[a.severity] ? 'yes' : 'no',
      };
    });
  return {
    name: 'advisories',
    title: 'Advisories',
    columns: [
      { key: 'advisory', label: 'Advisory' },
      { key: 'severity', label: 'Severity' },
      { key: 'hosts_missing', label: 'Hosts missing', numeric: true },
      { key: 'hosts_fixed', label: `Hosts fixed (${windowDays} d)`, numeric: true },
      { key: 'age_days', label: 'Open for (days)', numeric: true },
      { key: 'past_sla', label: 'Past SLA' },
      { key: 'packages', label: 'Packages' },
      { key: 'cves', label: 'CVEs' },
      { key: 'feed', label: 'Feed', exportOnly: true },
      // When an assessment first found it missing (see the README): not the inventory's time.
      { key: 'first_seen', label: 'First found missing (assessment)', time: true, exportOnly: true },
    ],
    rows,
  };
};

/**
 * Bytes per day, newest first: what hosts got from the appliance and what crossed the WAN. Only
 * from the first day the cache counted any bytes: before it, the statistics have no record (an
 * appliance installed today listed 89 days of "0 B" it never saw).
 */
export const bandwidthTable = (
  days: ReadonlyArray<{ day: string; fromCache: number; fromUpstream: number }>,
): ReportTable => {
  const first = days.findIndex((d) => d.fromCache > 0 || d.fromUpstream > 0);
  return {
    name: 'bandwidth',
    title: 'Bandwidth saved',
    columns: [
      { key: 'day', label: 'Day (UTC)' },
      { key: 'served_from_cache_bytes', label: 'Served from the cache', numeric: true },
      { key: 'fetched_upstream_bytes', label: 'Fetched over the WAN', numeric: true },
      { key: 'saved_pct', label: 'Saved %', numeric: true },
    ],
    rows: (first === -1 ? [] : days.slice(first)).reverse().map((d) => ({
      day: d.day,
      served_from_cache_bytes: d.fromCache,
      fetched_upstream_bytes: d.fromUpstream,
      saved_pct: percent(d.fromCache, d.fromCache + d.fromUpstream),
    })),
  };
};

const OUTCOME_KEYS: Record<HostOutcome, string> = {
  verified: 'verified',
  'reboot-pending': 'reboot_pending',
  failed: 'failed',
  unreachable: 'unreachable',
  'not-applicable': 'not_applicable',
};

/** One row per deployment, newest first: how many hosts ended how. */
export const deploymentsTable = (
  list: ReadonlyArray<
    Pick<DeploymentSummary, 'id' | 'title' | 'createdAt' | 'createdBy' | 'state' | 'hostCount' | 'counts'>
  >,
): ReportTable => ({
  name: 'deployments',
  title: 'Deployment outcomes',
  columns: [
    { key: 'deployment', label: 'Deployment' },
    { key: 'created', label: 'Created', time: true },
    { key: 'state', label: 'State' },
    { key: 'hosts', label: 'Hosts', numeric: true },
    { key: 'verified', label: 'Verified', numeric: true },
    { key: 'reboot_pending', label: 'Reboot pending', numeric: true },
    { key: 'failed', label: 'Failed', numeric: true },
    { key: 'unreachable', label: 'Unreachable', numeric: true },
    { key: 'not_applicable', label: 'Not applicable', numeric: true },
    { key: 'in_progress', label: 'Not ended', numeric: true },
    { key: 'success_pct', label: 'Success %', numeric: true },
    { key: 'id', label: 'Id', exportOnly: true },
  ],
  rows: [...list]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((d) => {
      const all = d.counts();
      const counts: Record<string, number> = Object.fromEntries(
        Object.entries(OUTCOME_KEYS).map(([o, k]) => [k, all[o as HostOutcome]]),
      );
      const open = all['in-progress'] + all.pending;
      const ended = d.hostCount - open - counts.not_applicable!;
      return {
        deployment: d.title,
        created: d.createdAt,
        state: d.state,
        hosts: d.hostCount,
        ...counts,
        in_progress: open,
        success_pct: percent(counts.verified! + counts.reboot_pending!, ended),
        id: d.id,
      };
    }),
});
