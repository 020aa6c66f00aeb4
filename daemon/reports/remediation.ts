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
import { z } from 'zod';
import { type Severity, severities } from '../catalog/model.js';

const iso = z.string().min(1);

const openSchema = z.object({
  feedId: z.string(),
  advisoryId: z.string(),
  package: z.string(),
  severity: z.enum(severities),
  firstSeen: iso,
});
export type OpenFinding = z.infer<typeof openSchema>;

const closedSchema = openSchema.extend({ hostId: z.string(), fixedAt: iso });
export type ClosedFinding = z.infer<typeof closedSchema>;

export const ledgerSchema = z.object({
  version: z.literal(1),
  /** Per host: the inventory last looked at, and what it still misses. */
  hosts: z.record(z.string(), z.object({ collectedAt: iso, open: z.array(openSchema) })),
  /** Fixed findings, newest last, kept as long as the compliance history. */
  closed: z.array(closedSchema),
});
export type Ledger = z.infer<typeof ledgerSchema>;

export const emptyLedger = (): Ledger => ({ version: 1, hosts: {}, closed: [] });

/**
 * A copy of the ledger that later observations leave alone, in a millisecond at 150,000 findings
 * (a deep copy took seconds and held the event loop): `observe` never changes a host's record or
 * a finding in place, it replaces them, so copying the two containers is enough.
 */
export const ledgerSnapshot = (ledger: Ledger): Ledger => ({
  version: ledger.version,
  hosts: { ...ledger.hosts },
  closed: ledger.closed.slice(),
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

/** The same ledger with its open findings shared between hosts (after reading it from a file). */
export const shareFindings = (ledger: Ledger): Ledger => {
  const findings = new Findings();
  for (const [id, rec] of Object.entries(ledger.hosts))
    ledger.hosts[id] = {
      collectedAt: rec.collectedAt,
      open: rec.open.map((f) => findings.of(f, f.firstSeen)),
    };
  return ledger;
};

const observeHost = (ledger: Ledger, h: ObservedHost, nowIso: string, findings: Findings): boolean => {
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
  for (const f of rec.open) {
    const still = now.get(keyOf(f));
    if (still) {
      now.delete(keyOf(f));
      if (still.severity !== f.severity) changed = true;
      const rated = still.severity === f.severity ? f : { ...f, severity: still.severity };
      open.push(findings.of(rated, f.firstSeen));
    } else {
      changed = true;
      if (newer) ledger.closed.push({ ...f, hostId: h.hostId, fixedAt: h.collectedAt });
    }
  }
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
  for (let i = 0; i < hosts.length; i++) {
    if (i && i % per === 0) yield;
    const h = hosts[i]!;
    present.add(h.hostId);
    if (h.covered && observeHost(ledger, h, nowIso, findings)) changed = true;
  }
  for (const id of Object.keys(ledger.hosts)) {
    if (present.has(id)) continue;
    delete ledger.hosts[id];
    changed = true;
  }
  const oldest = now - keepDays * 86_400_000;
  const kept = ledger.closed.filter((f) => Date.parse(f.fixedAt) >= oldest);
  if (kept.length !== ledger.closed.length) {
    ledger.closed = kept;
    changed = true;
  }
  return changed;
}

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

/** Days from `from` to `to` (ISO or ms), never negative. */
export const daysBetween = (from: string | number, to: string | number): number => {
  const ms = (typeof to === 'number' ? to : isoMs(to)) - (typeof from === 'number' ? from : isoMs(from));
  return Math.max(0, ms / 86_400_000);
};
