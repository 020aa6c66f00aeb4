/**
 * The lists /api/v1 serves, read from the services: machines of the host directory joined with
 * their scan and assessment, and every missing fix of every host. Both come in a fixed order (by
 * key, compared by code unit) so keyset pages are stable; only the page asked for is built.
 */
import { createHash } from 'node:crypto';
import { hostStanding, missingFixesOf } from '../assess/assess.js';
import type { SiteAssessment } from '../assess/assess-service.js';
import type { HostAssessment, MissingFix } from '../assess/types.js';
import type { Severity } from '../catalog/model.js';
import type { Asset } from '../discovery/asset.js';
import type { HostRecord } from '../hosts/host-record.js';
import type { ChangeEntry } from './change-feed.js';
import type { ApiHost, ApiMissingFix } from './contract.js';
import { compareKeys, encodeCursor, keysetPage } from './cursor.js';

export interface ListSources {
  hosts?: { list(): HostRecord[]; label(id: string): string } | undefined;
  discovery?: { asset(id: string): Asset } | undefined;
  assess?: { current(): Promise<Pick<SiteAssessment, 'hosts'>> } | undefined;
}

export interface PageRequest {
  after: string[] | undefined;
  limit: number;
  now: number;
}

const onlineOf = (src: ListSources, host: HostRecord): boolean | null => {
  if (!host.assetId || !src.discovery) return null;
  try {
    return src.discovery.asset(host.assetId).online;
  } catch {
    return null;
  }
};

const hostRow = (src: ListSources, host: HostRecord, a: HostAssessment | undefined): ApiHost => ({
  id: host.id,
  name: src.hosts?.label(host.id) ?? host.id,
  mac: host.mac,
  address: host.address,
  createdAt: host.createdAt,
  standing: hostStanding(a),
  online: onlineOf(src, host),
  release: a?.release ?? null,
  packages: a?.packages ?? null,
  missingFixes: a ? { total: a.findings.count, bySeverity: a.bySeverity } : null,
  rebootRequired: a?.rebootRequired ?? null,
  collectedAt: a?.collectedAt ?? null,
});

/** Assessments by host id, built once per assessment (it is replaced, never changed in place). */
const byHost = new WeakMap<readonly HostAssessment[], Map<string, HostAssessment>>();
const assessmentsOf = (hosts: readonly HostAssessment[]): Map<string, HostAssessment> => {
  let map = byHost.get(hosts);
  if (!map) {
    map = new Map(hosts.map((h) => [h.hostId, h]));
    byHost.set(hosts, map);
  }
  return map;
};

export const hostsPage = async (src: ListSources, req: PageRequest) => {
  const all = (src.hosts?.list() ?? []).sort((a, b) => compareKeys([a.id], [b.id]));
  const page = keysetPage(all, (h) => [h.id], req.after, req.limit, req.now);
  const assessed = src.assess ? assessmentsOf((await src.assess.current()).hosts) : new Map();
  return { items: page.items.map((h) => hostRow(src, h, assessed.get(h.id))), next: page.next };
};

interface FixRow {
  key: string[];
  hostId: string;
  fix: MissingFix;
}

/** Hosts by id, once per assessment; a host's fix rows are built only when a page reaches it. */
const hostsById = new WeakMap<readonly HostAssessment[], HostAssessment[]>();
const sortedHosts = (hosts: readonly HostAssessment[]): HostAssessment[] => {
  let sorted = hostsById.get(hosts);
  if (!sorted) {
    sorted = [...hosts].sort((a, b) => compareKeys([a.hostId], [b.hostId]));
    hostsById.set(hosts, sorted);
  }
  return sorted;
};

/** One host's fixes sorted by (feed, advisory, package): its part of the site-wide order. */
const rowsOf = (h: HostAssessment): FixRow[] =>
  missingFixesOf(h)
    .map((fix) => ({ key: [h.hostId, fix.feedId, fix.advisoryId, fix.package], hostId: h.hostId, fix }))
    .sort((x, y) => compareKeys(x.key, y.key));

/**
 * Every missing fix in (host, feed, advisory, package) order, from just after `after`, the rows
 * one host at a time: a page costs the hosts it covers, not a list of every fix on the site.
 */
function* fixRowsAfter(hosts: readonly HostAssessment[], after: string[] | undefined): Generator<FixRow> {
  const sorted = sortedHosts(hosts);
  let lo = 0;
  if (after) {
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys([sorted[mid]!.hostId], [after[0] ?? '']) < 0) lo = mid + 1;
      else hi = mid;
    }
  }
  for (let i = lo; i < sorted.length; i++) {
    const h = sorted[i]!;
    if (h.findings.count === 0) continue;
    for (const row of rowsOf(h)) if (!after || compareKeys(row.key, after) > 0) yield row;
  }
}

const fixRow = ({ hostId, fix }: FixRow): ApiMissingFix => ({
  hostId,
  advisoryId: fix.advisoryId,
  feedId: fix.feedId,
  cves: fix.cves,
  severity: fix.severity,
  summary: fix.summary,
  url: fix.url ?? null,
  package: fix.package,
  packageKind: fix.packageKind,
  binaries: fix.binaries,
  installed: fix.installed,
  fixed: fix.fixed,
});

export interface FixFilter {
  host?: string | undefined;
  /** An advisory id or one of its CVEs. */
  advisory?: string | undefined;
  severity?: Severity | undefined;
}

export const fixesPage = async (src: ListSources, filter: FixFilter, req: PageRequest) => {
  const { host, advisory, severity } = filter;
  const matches = (r: FixRow): boolean =>
    (!host || r.hostId === host) &&
    (!severity || r.fix.severity === severity) &&
    (!advisory || r.fix.advisoryId === advisory || r.fix.cves.includes(advisory));
  const hosts = src.assess ? (await src.assess.current()).hosts : [];
  const scope = host ? hosts.filter((h) => h.hostId === host) : hosts;
  const items: FixRow[] = [];
  let more = false;
  for (const row of fixRowsAfter(scope, req.after)) {
    if (!matches(row)) continue;
    if (items.length === req.limit) {
      more = true;
      break;
    }
    items.push(row);
  }
  return {
    items: items.map(fixRow),
    next: more && items.length ? encodeCursor(items[items.length - 1]!.key, req.now) : null,
  };
};

/** A host's missing fixes in list order (feed, advisory, package). */
const hostFixes = (a: HostAssessment | undefined): ApiMissingFix[] => (a ? rowsOf(a).map(fixRow) : []);

export interface HostState {
  host: ApiHost;
  missingFixes: ApiMissingFix[];
}

/** Hosts as a console sees them (row and missing fixes), for the change feed: all, or only `ids`. */
export const hostStates = async (
  src: ListSources,
  ids?: ReadonlySet<string>,
): Promise<Map<string, HostState>> => {
  const assessed = src.assess
    ? assessmentsOf((await src.assess.current()).hosts)
    : new Map<string, HostAssessment>();
  const out = new Map<string, HostState>();
  for (const h of src.hosts?.list() ?? []) {
    if (ids && !ids.has(h.id)) continue;
    const a = assessed.get(h.id);
    out.set(h.id, { host: hostRow(src, h, a), missingFixes: hostFixes(a) });
  }
  return out;
};

/** What the change feed compares: a digest of each host's state. */
export const hostDigests = async (src: ListSources): Promise<Map<string, string>> => {
  const digests = new Map<string, string>();
  for (const [id, state] of await hostStates(src)) {
    digests.set(id, createHash('sha256').update(JSON.stringify(state)).digest('base64url').slice(0, 22));
  }
  return digests;
};

/** The change feed's entries with each host's state now; a host gone since the last look is deleted. */
export const changeItems = async (src: ListSources, entries: readonly ChangeEntry[]) => {
  const live = new Set(entries.filter((e) => e.digest !== null).map((e) => e.id));
  const states = await hostStates(src, live);
  return entries.map((e) => {
    const state = live.has(e.id) ? states.get(e.id) : undefined;
    return {
      seq: e.seq,
      id: e.id,
      deleted: !state,
      host: state?.host ?? null,
      missingFixes: state?.missingFixes ?? null,
    };
  });
};
