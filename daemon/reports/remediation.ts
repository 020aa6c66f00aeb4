/**
 * When each missing fix was first seen on a host and when a later inventory proved it installed:
 * the ledger behind patch age, mean time to remediate and the SLA view. Pure functions over a
 * plain document, so the service can keep it in memory and write it as one file.
 *
 * Records are replaced, never changed in place (see `ledgerSnapshot`), so hosts share them: an open
 * finding is one record for every host that has had it since the same time (see `Findings`).
 *
 * A finding closes as fixed only when a newer inventory of the same host no longer shows it. A
 * finding that disappears while the inventory did not change (a feed was removed or re-rated
 * its fix) was never remediated: it is dropped, not counted. A host that leaves the assessment
 * takes its open findings with it.
 */
import type { Severity } from '../catalog/model.js';

export interface OpenFinding {
  feedId: string;
  advisoryId: string;
  package: string;
  severity: Severity;
  /** ISO time of the assessment that first saw it on the host. */
  firstSeen: string;
}

/** A finding a newer inventory proved fixed on a host (what the reports read, one at a time). */
export interface ClosedFinding extends OpenFinding {
  hostId: string;
  fixedAt: string;
}

/** The findings one host's newer inventory proved fixed. */
export interface FixedOnHost {
  readonly hostId: string;
  /** ms: the collection time of the inventory that no longer shows them. */
  readonly fixedAt: number;
  /** Shared by every host of the batch that fixed exactly these records. */
  readonly findings: readonly OpenFinding[];
}

/**
 * What one observation proved fixed. Never changed once made: it is written once, as its own file
 * (see ledger-file.ts), and dropped whole when it is older than the history is kept. A host's
 * fixed findings are one entry of three columns (and hosts that fixed the same records share
 * their list), not an object per finding: a 5,000-host site fixing 40 findings a month held 2.6
 * million objects (283 MiB) after a year, and rewrote them all (185 MB) after every assessment.
 */
export interface FixedBatch {
  /** Its name, unique in the ledger (the file is fixed/NAME.json). */
  readonly name: string;
  /** ms: when it was observed, or its newest fix if that is later. */
  readonly at: number;
  /** Per entry: the host, when (ms, see FixedOnHost), and which of `lists` it fixed. */
  readonly hostIds: readonly string[];
  readonly fixedAt: Float64Array;
  readonly list: Uint32Array;
  readonly lists: ReadonlyArray<readonly OpenFinding[]>;
}

/** Entry `i` of `batch`. */
export const fixedEntry = (batch: FixedBatch, i: number): FixedOnHost => ({
  hostId: batch.hostIds[i]!,
  fixedAt: batch.fixedAt[i]!,
  findings: batch.lists[batch.list[i]!]!,
});

/** Every entry of `batch`. */
export const batchHosts = (batch: FixedBatch): FixedOnHost[] =>
  batch.hostIds.map((_, i) => fixedEntry(batch, i));

export interface HostFindings {
  /** The inventory last looked at (ISO). */
  collectedAt: string;
  /** What it still misses. */
  open: OpenFinding[];
}

export interface Ledger {
  /** Per host: the inventory last looked at, and what it still misses. */
  hosts: Record<string, HostFindings>;
  /** Fixed findings, oldest batch first, kept as long as the compliance history. */
  fixed: FixedBatch[];
}

/**
 * Hosts by id with no prototype: an id such as `__proto__` or `constructor` is a key like any other
 * (in a plain object, `hosts['__proto__'] = ...` would set its prototype instead).
 */
export const hostTable = (hosts: Ledger['hosts'] = {}): Ledger['hosts'] =>
  Object.assign(Object.create(null) as Ledger['hosts'], hosts);

export const emptyLedger = (): Ledger => ({ hosts: hostTable(), fixed: [] });

/**
 * A copy of the ledger that later observations leave alone, in a millisecond at 150,000 findings
 * (a deep copy took seconds and held the event loop): `observe` never changes a host's record or
 * a finding in place, it replaces them, so copying the two containers is enough.
 */
export const ledgerSnapshot = (ledger: Ledger): Ledger => ({
  hosts: hostTable(ledger.hosts),
  fixed: ledger.fixed.slice(),
});

/**
 * Every open finding of the ledger with how many hosts have it: hosts share one record per
 * (finding, since) (see Findings), so a site's hundreds of thousands of open findings are a few
 * thousand records, and a report reads each once instead of parsing its time per host.
 */
export const openFindingCounts = (ledger: Ledger): Map<OpenFinding, number> => {
  const counts = new Map<OpenFinding, number>();
  for (const h of Object.values(ledger.hosts))
    for (const f of h.open) counts.set(f, (counts.get(f) ?? 0) + 1);
  return counts;
};

/** What the ledger reads from an assessment of one host. */
export interface ObservedHost {
  hostId: string;
  covered: boolean;
  collectedAt: string;
  missing: ReadonlyArray<{ feedId: string; advisoryId: string; package: string; severity: Severity }>;
}

const keyOf = (f: { feedId: string; advisoryId: string; package: string }): string =>
  `${f.feedId}\0${f.advisoryId}\0${f.package}`;

/**
 * One read-only record per distinct open finding (what, how severe, since when), shared by every
 * host that has it: most hosts of a site miss the same fixes since the same assessment, so 5,000
 * hosts' 200,000 open findings are a few thousand records (13 MB of the idle daemon's heap at
 * 5,000 hosts was one object per host and finding). Lives for one observation or one load.
 */
class Findings {
  private readonly seen = new Map<string, OpenFinding>();

  /** The record of `f` (a finding or a missing fix) open since `firstSeen`. */
  of(f: Omit<OpenFinding, 'firstSeen'>, firstSeen: string): OpenFinding {
    const key = `${keyOf(f)}\0${f.severity}\0${firstSeen}`;
    let shared = this.seen.get(key);
    if (!shared) {
      const { feedId, advisoryId, package: pkg, severity } = f;
      shared = { feedId, advisoryId, package: pkg, severity, firstSeen };
      this.seen.set(key, shared);
    }
    return shared;
  }
}

/** The same hosts with their open findings shared between them (after reading them from a file). */
export const shareFindings = (read: Ledger['hosts']): Ledger['hosts'] => {
  const findings = new Findings();
  const hosts = hostTable();
  for (const [id, rec] of Object.entries(read))
    hosts[id] = {
      collectedAt: rec.collectedAt,
      open: rec.open.map((f) => findings.of(f, f.firstSeen)),
    };
  return hosts;
};

/**
 * The batch an observation is building: each host's fixed records as one list, shared by every
 * host that fixed exactly the same records (most hosts of a patch round do).
 */
export class FixedBuilder {
  private readonly hostIds: string[] = [];
  private readonly fixedAt: number[] = [];
  private readonly list: number[] = [];
  private readonly lists: OpenFinding[][] = [];
  private readonly ids = new Map<OpenFinding, number>();
  private readonly listOf = new Map<string, number>();

  get size(): number {
    return this.hostIds.length;
  }

  add(hostId: string, fixedAt: number, records: OpenFinding[]): void {
    const key = records
      .map((f) => {
        let id = this.ids.get(f);
        if (id === undefined) {
          id = this.ids.size;
          this.ids.set(f, id);
        }
        return id;
      })
      .join(',');
    let list = this.listOf.get(key);
    if (list === undefined) {
      list = this.lists.push(records) - 1;
      this.listOf.set(key, list);
    }
    this.hostIds.push(hostId);
    this.fixedAt.push(fixedAt);
    this.list.push(list);
  }

  /** The batch, as new as its newest fix if that is later than `at` (a host's clock may run ahead). */
  build(name: string, at: number): FixedBatch {
    return {
      name,
      at: this.fixedAt.reduce((newest, t) => Math.max(newest, t), at),
      hostIds: this.hostIds,
      fixedAt: Float64Array.from(this.fixedAt),
      list: Uint32Array.from(this.list),
      lists: this.lists,
    };
  }
}

/** A name for a batch observed at `at` that no batch of the ledger has. */
const batchName = (ledger: Ledger, at: number): string => {
  const taken = new Set(ledger.fixed.map((b) => b.name));
  let name = String(at);
  for (let k = 1; taken.has(name); k++) name = `${at}-${k}`;
  return name;
};

const observeHost = (
  ledger: Ledger,
  h: ObservedHost,
  nowIso: string,
  findings: Findings,
  fixed: FixedBuilder,
): boolean => {
  const rec = ledger.hosts[h.hostId];
  const now = new Map(h.missing.map((m) => [keyOf(m), m]));
  if (!rec) {
    ledger.hosts[h.hostId] = {
      collectedAt: h.collectedAt,
      open: [...now.values()].map((m) => findings.of(m, nowIso)),
    };
    return true;
  }
  let changed = false;
  const newer = Date.parse(h.collectedAt) > Date.parse(rec.collectedAt);
  const open: OpenFinding[] = [];
  const gone: OpenFinding[] = [];
  for (const f of rec.open) {
    const still = now.get(keyOf(f));
    if (still) {
      now.delete(keyOf(f));
      if (still.severity !== f.severity) changed = true;
      const rated = still.severity === f.severity ? f : { ...f, severity: still.severity };
      open.push(findings.of(rated, f.firstSeen));
    } else {
      changed = true;
      if (newer) gone.push(f);
    }
  }
  if (gone.length) fixed.add(h.hostId, Date.parse(h.collectedAt), gone);
  for (const m of now.values()) {
    changed = true;
    open.push(findings.of(m, nowIso));
  }
  if (rec.collectedAt !== h.collectedAt) changed = true;
  ledger.hosts[h.hostId] = { collectedAt: h.collectedAt, open };
  return changed;
};

/**
 * Bring the ledger up to an assessment taken at `now`, `per` hosts at a time: the generator stops
 * after each piece (a site of 5,000 hosts took 110 ms in one go, and every page waited behind it),
 * and returns whether anything changed. Hosts no feed covers are left as they were: their findings
 * are unknown, not fixed. Between pieces the ledger is part way there; `observe` runs it through.
 */
export function* observeSteps(
  ledger: Ledger,
  hosts: readonly ObservedHost[],
  now: number,
  keepDays: number,
  per = 250,
): Generator<void, boolean> {
  const nowIso = new Date(now).toISOString();
  let changed = false;
  const present = new Set<string>();
  const findings = new Findings();
  const fixed = new FixedBuilder();
  for (let i = 0; i < hosts.length; i++) {
    if (i && i % per === 0) yield;
    const h = hosts[i]!;
    present.add(h.hostId);
    if (h.covered && observeHost(ledger, h, nowIso, findings, fixed)) changed = true;
  }
  if (fixed.size) ledger.fixed.push(fixed.build(batchName(ledger, now), now));
  for (const id of Object.keys(ledger.hosts)) {
    if (present.has(id)) continue;
    delete ledger.hosts[id];
    changed = true;
  }
  // A batch goes when its newest fix is older than the history is kept (one older fix in a kept
  // batch stays a little longer: readers ask for the fixes of a window, see `fixedSince`).
  const oldest = now - keepDays * DAY_MS;
  const kept = ledger.fixed.filter((b) => b.at >= oldest);
  if (kept.length !== ledger.fixed.length) {
    ledger.fixed = kept;
    changed = true;
  }
  return changed;
}

/** Each host's findings fixed at or after `since` (ms), oldest batch first. */
export function* fixedSince(ledger: Ledger, since: number): Generator<FixedOnHost> {
  for (const batch of ledger.fixed) {
    if (batch.at < since) continue;
    for (let i = 0; i < batch.hostIds.length; i++) if (batch.fixedAt[i]! >= since) yield fixedEntry(batch, i);
  }
}

/**
 * The fixes of `fixedSince`, by list: each distinct list of records with the hosts that fixed
 * exactly those (a patch round's hosts mostly share one list). A report reads each record once
 * per list instead of once per host: 600,000 fixes of a 90-day window are a few dozen lists.
 */
export const fixedByList = (ledger: Ledger, since: number): Map<readonly OpenFinding[], FixedOnHost[]> => {
  const byList = new Map<readonly OpenFinding[], FixedOnHost[]>();
  for (const h of fixedSince(ledger, since)) {
    const hosts = byList.get(h.findings);
    if (hosts) hosts.push(h);
    else byList.set(h.findings, [h]);
  }
  return byList;
};

/** Every fixed finding of the ledger, one object each (tests and conversions; reports use `fixedSince`). */
export const closedFindings = (ledger: Ledger): ClosedFinding[] =>
  ledger.fixed.flatMap((b) =>
    batchHosts(b).flatMap((h) => {
      const fixedAt = new Date(h.fixedAt).toISOString();
      return h.findings.map((f) => ({ ...f, hostId: h.hostId, fixedAt }));
    }),
  );

/** `observeSteps` in one go; returns whether anything changed. */
export const observe = (
  ledger: Ledger,
  hosts: readonly ObservedHost[],
  now: number,
  keepDays: number,
): boolean => {
  const steps = observeSteps(ledger, hosts, now, keepDays);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
};

/**
 * An ISO time in ms. Findings share a handful of times (every one seen in an assessment carries
 * its time), so parses are kept: 150,000 findings cost a few hundred parses, not 150,000.
 */
const parsed = new Map<string, number>();
export const isoMs = (iso: string): number => {
  let ms = parsed.get(iso);
  if (ms === undefined) {
    if (parsed.size > 10_000) parsed.clear();
    ms = Date.parse(iso);
    parsed.set(iso, ms);
  }
  return ms;
};

export const DAY_MS = 86_400_000;

/** Days from `from` to `to` (ISO or ms), never negative. */
export const daysBetween = (from: string | number, to: string | number): number => {
  const ms = (typeof to === 'number' ? to : isoMs(to)) - (typeof from === 'number' ? from : isoMs(from));
  return Math.max(0, ms / DAY_MS);
};
