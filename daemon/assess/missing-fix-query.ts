/**
 * The Patches page's query: missing fixes filtered by severity and a search, sorted most urgent
 * first, by advisory, by host or by package. The route parses the request and renders the rows.
 */
import { type Severity, severityRank } from '../catalog/model.js';
import { inAddressOrder } from '../discovery/ipv4.js';
import type { AdvisoryImpact } from './assess-service.js';
import type { HostAssessment } from './types.js';

export interface MissingFixFilter {
  /** Lower-case search over advisory, CVE, package and host (id or name); '' matches all. */
  q: string;
  /** At least this severity; '' for any. */
  severity: Severity | '';
}

/** Names a host as the pages show it, so a search for a machine's name finds it. */
export type HostLabel = (hostId: string) => string;

const hostMatches = (hostId: string, q: string, label: HostLabel): boolean =>
  hostId.toLowerCase().includes(q) || label(hostId).toLowerCase().includes(q);

export const advisoryMatches = (a: AdvisoryImpact, f: MissingFixFilter, label: HostLabel): boolean =>
  (f.severity === '' || severityRank[a.severity] <= severityRank[f.severity]) &&
  (f.q === '' ||
    a.advisoryId.toLowerCase().includes(f.q) ||
    a.cves.some((cve) => cve.toLowerCase().includes(f.q)) ||
    a.packages.some((p) => p.includes(f.q)) ||
    [...a.hosts].some((h) => hostMatches(h, f.q, label)));

/**
 * An assessment's lists sorted once, for every page load that filters them: the order depends on
 * nothing but the list (advisories), or on the list and the hosts' labels (`labels` says when they
 * may have changed; undefined keeps nothing). At 5,000 hosts sorting by label was most of what
 * Patches by host cost per load.
 */
const sortedOnce = <T>() => {
  const kept = new WeakMap<readonly T[], { labels: string; sorted: readonly T[] }>();
  return (list: readonly T[], labels: string | undefined, sort: () => readonly T[]): readonly T[] => {
    const hit = kept.get(list);
    if (hit && labels !== undefined && hit.labels === labels) return hit.sorted;
    const sorted = sort();
    if (labels !== undefined) kept.set(list, { labels, sorted });
    return sorted;
  };
};
const advisoriesSorted = sortedOnce<AdvisoryImpact>();
const hostsSorted = sortedOnce<HostAssessment>();

/** Matching advisories, worst first, then those affecting the most hosts. */
export const advisoriesMatching = (
  advisories: readonly AdvisoryImpact[],
  f: MissingFixFilter,
  label: HostLabel,
): AdvisoryImpact[] =>
  advisoriesSorted(advisories, '', () =>
    [...advisories].sort(
      (a, b) =>
        severityRank[a.severity] - severityRank[b.severity] ||
        b.hosts.size - a.hosts.size ||
        a.advisoryId.localeCompare(b.advisoryId),
    ),
  ).filter((a) => advisoryMatches(a, f, label));

/** Whether a missing fix of `h` is in a package whose name contains `q`. */
const missesPackage = (h: HostAssessment, q: string): boolean =>
  h.findings.own.some((m) => m.package.includes(q)) ||
  // A group's fixes all share its source package.
  h.findings.groups.some((g) => g.fixes[0]?.package.includes(q));

/** Whether `h` misses a fix of at least the filter's severity ("Severity at least critical" on by host). */
const missesAtLeast = (h: HostAssessment, severity: Severity | ''): boolean =>
  severity === '' ||
  (Object.entries(h.bySeverity) as Array<[Severity, number]>).some(
    ([s, n]) => n > 0 && severityRank[s] <= severityRank[severity],
  );

/**
 * Hosts missing a fix of at least the filter's severity whose id, name or a missing package matches
 * the search, most at risk first, ties by address.
 */
export const hostsMatching = (
  hosts: readonly HostAssessment[],
  f: MissingFixFilter,
  label: HostLabel,
  labels: string | undefined,
): HostAssessment[] =>
  hostsSorted(hosts, labels, () =>
    inAddressOrder(
      hosts,
      (h) => label(h.hostId),
      (a, b) =>
        b.bySeverity.critical + b.bySeverity.high - (a.bySeverity.critical + a.bySeverity.high) ||
        b.findings.count - a.findings.count,
    ),
  ).filter(
    (h) =>
      missesAtLeast(h, f.severity) &&
      (f.q === '' || hostMatches(h.hostId, f.q, label) || missesPackage(h, f.q)),
  );

export interface PackageImpact {
  package: string;
  /** The worst severity among its advisories. */
  severity: Severity;
  advisories: AdvisoryImpact[];
  hosts: Set<string>;
}

/** The advisories grouped by package, worst first, then those affecting the most hosts. */
export const impactByPackage = (advisories: readonly AdvisoryImpact[]): PackageImpact[] => {
  const byPkg = new Map<string, PackageImpact>();
  for (const a of advisories) {
    for (const p of a.packages) {
      const e = byPkg.get(p) ?? {
        package: p,
        severity: 'unknown' as Severity,
        advisories: [],
        hosts: new Set(),
      };
      if (e.severity === 'unknown' || severityRank[a.severity] < severityRank[e.severity])
        e.severity = a.severity;
      e.advisories.push(a);
      for (const h of a.hostsByPackage.get(p) ?? []) e.hosts.add(h);
      byPkg.set(p, e);
    }
  }
  return [...byPkg.values()].sort(
    (a, b) =>
      severityRank[a.severity] - severityRank[b.severity] ||
      b.hosts.size - a.hosts.size ||
      a.package.localeCompare(b.package),
  );
};
