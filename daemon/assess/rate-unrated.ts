/**
 * Fixes from an apt repository feed carry no rating: an index lists versions, not CVEs or
 * urgency. When a tracker or OSV feed reports, for the same host, source package fixes that the
 * apt update also brings (its version is at least theirs), the apt fix takes their worst severity
 * and their CVEs. What stays without a rating is counted as unrated, never as no risk.
 */
import { type Severity, severityRank } from '../catalog/model.js';
import type { VersionCompare } from '../catalog/versions/version-rules.js';
import type { MissingFix } from './types.js';

export const rateUnrated = (
  missing: MissingFix[],
  /** The source package an installed binary was built from. */
  sourceOf: (binary: string) => string | undefined,
  compare: VersionCompare,
): void => {
  let bySource: Map<string, MissingFix[]> | undefined;
  for (let i = 0; i < missing.length; i++) {
    const m = missing[i]!;
    if (m.severity !== 'unknown' || m.packageKind !== 'binary') continue;
    if (!bySource) {
      bySource = new Map();
      for (const r of missing) {
        if (r.packageKind !== 'source' || r.severity === 'unknown') continue;
        const list = bySource.get(r.package);
        if (list) list.push(r);
        else bySource.set(r.package, [r]);
      }
      if (bySource.size === 0) return;
    }
    const source = sourceOf(m.package);
    const rated = (source ? bySource.get(source) : undefined)?.filter((r) => compare(r.fixed, m.fixed) <= 0);
    if (!rated?.length) continue;
    let severity: Severity = 'unknown';
    const cves = new Set(m.cves);
    for (const r of rated) {
      if (severityRank[r.severity] < severityRank[severity]) severity = r.severity;
      for (const c of r.cves) cves.add(c);
    }
    missing[i] = { ...m, severity, cves: [...cves].sort() };
  }
};
