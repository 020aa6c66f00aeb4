/**
 * Rings and their promotion gates. Ring 0 (pilot), then 1, then 2: a ring starts only after the
 * one before it passed its gate (minimum success rate, minimum verified count, then a soak time).
 * Inside a ring hosts start in batches; more failures in a batch than the threshold stops before
 * the next batch. A gate that fails halts the deployment and names the failing updates, which
 * halts their promotion in every other deployment too. A paused deployment starts nothing, in
 * any ring. Pure: it reads and updates the record; the runner does the I/O.
 */
import { type Deployment, type HostState, isHostDone, isSuccess } from '../deployment.js';
import { updateKey } from '../plan.js';

export const DEFAULT_GATE = { minSuccessRate: 1, minVerified: 1, soakMs: 24 * 3_600_000 };
export const DEFAULT_CONCURRENCY = 5;

export interface RingContext {
  now: number;
  /** Update keys halted by any deployment (this one included). */
  halted: ReadonlySet<string>;
  /** Why this host may not get this update (an open breaker), if so. */
  breaker(hostId: string, update: string): string | undefined;
  /** Why the host still waits for approval, if it does. */
  waitingApproval(host: HostState): string | undefined;
}

export interface RingStep {
  /** Hosts to start now (one batch). */
  launch: HostState[];
  /** Other hosts changed on the way (why each waits; a breaker open failed it): saved with the launch. */
  touched?: HostState[] | undefined;
  /** Look again at this time (a soak ends). */
  wakeAt?: number | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();
const updatesOf = (hosts: readonly HostState[]) => hosts.flatMap((h) => h.change.upgrades.map(updateKey));
const failed = (h: HostState) => h.outcome === 'failed' || h.outcome === 'unreachable';

const halt = (d: Deployment, ring: number, note: string, updates: string[]): RingStep => {
  d.rings[ring]!.state = 'halted';
  d.rings[ring]!.note = note;
  d.state = 'halted';
  d.note = note;
  for (const u of updates) if (!d.haltedUpdates.includes(u)) d.haltedUpdates.push(u);
  return { launch: [] };
};

/**
 * Why a ring that ended fails its gate, or undefined when it passes. The success rate applies to
 * every ring (a failure halts the update everywhere); the verified count only to a promotion.
 */
export const gateFailure = (
  d: Deployment,
  hosts: readonly HostState[],
  promoting: boolean,
): string | undefined => {
  const counted = hosts.filter((h) => h.outcome !== 'not-applicable');
  const ok = counted.filter(isSuccess).length;
  const rate = counted.length ? ok / counted.length : 1;
  const { minSuccessRate, minVerified } = d.policy.gate;
  const bad = counted.filter((h) => !isSuccess(h)).map((h) => `${h.hostId}: ${h.reason ?? h.outcome}`);
  if (rate < minSuccessRate) {
    return `${ok} of ${counted.length} hosts succeeded (${Math.round(rate * 100)}% < ${Math.round(minSuccessRate * 100)}%): ${bad.join('; ')}`;
  }
  if (promoting && counted.length > 0 && ok < minVerified) {
    return `${ok} hosts verified; the gate needs ${minVerified}`;
  }
  return undefined;
};

/** Start the next batch of a running ring, or halt on its batch threshold; undefined when ended. */
const runRing = (
  d: Deployment,
  r: number,
  hosts: HostState[],
  ctx: RingContext,
  touched: HostState[],
): RingStep | undefined => {
  const ring = d.rings[r]!;
  if (hosts.every(isHostDone)) return undefined;
  if (hosts.some((h) => !isHostDone(h) && h.phase !== 'pending')) return { launch: [] };
  const last = hosts.filter((h) => h.batch === ring.batch && ring.batch > 0);
  const lastFailed = last.filter(failed);
  if (lastFailed.length > d.policy.batchFailureThreshold) {
    const note = `ring ${r} batch ${ring.batch}: ${lastFailed.length} hosts failed (threshold ${d.policy.batchFailureThreshold}); stopped before the next batch`;
    return halt(d, r, note, updatesOf(lastFailed));
  }
  const blocked = hosts.filter((h) => !isHostDone(h) && updatesOf([h]).some((u) => ctx.halted.has(u)));
  if (blocked.length) {
    const updates = updatesOf(blocked).filter((u) => ctx.halted.has(u));
    return halt(d, r, `promotion of ${[...new Set(updates)].join(', ')} is halted`, []);
  }
  const ready: HostState[] = [];
  for (const h of hosts) {
    if (isHostDone(h)) continue;
    const open = h.change.upgrades.map((u) => ctx.breaker(h.hostId, updateKey(u))).find(Boolean);
    if (open) {
      Object.assign(h, { outcome: 'failed', phase: 'done', reason: open, finishedAt: iso(ctx.now) });
      touched.push(h);
      continue;
    }
    const waiting = ctx.waitingApproval(h);
    if (waiting !== h.waiting) touched.push(h);
    h.waiting = waiting;
    if (!waiting) ready.push(h);
  }
  if (hosts.every(isHostDone)) return undefined;
  const batch = ready.slice(0, d.policy.batchSize);
  if (batch.length) ring.batch++;
  for (const h of batch) h.batch = ring.batch;
  return { launch: batch };
};

/** Move the deployment's rings forward as far as they can go now. */
export const advanceRings = (d: Deployment, ctx: RingContext): RingStep => {
  if (d.state !== 'running') return { launch: [] };
  const touched: HostState[] = [];
  const step = advance(d, ctx, touched);
  return touched.length ? { ...step, touched } : step;
};

const advance = (d: Deployment, ctx: RingContext, touched: HostState[]): RingStep => {
  for (let r = 0; r < d.rings.length; r++) {
    const ring = d.rings[r]!;
    const hosts = d.hosts.filter((h) => h.ring === r);
    if (ring.state === 'passed') continue;
    if (ring.state === 'halted') return halt(d, r, ring.note ?? `ring ${r} halted`, []);
    if (ring.state === 'pending') Object.assign(ring, { state: 'running', startedAt: iso(ctx.now) });
    if (ring.state === 'running') {
      const step = runRing(d, r, hosts, ctx, touched);
      if (step) return step;
      ring.doneAt = iso(ctx.now);
      const later = d.hosts.some((h) => h.ring > r);
      const failure = gateFailure(d, hosts, later);
      if (failure) return halt(d, r, `ring ${r} gate: ${failure}`, updatesOf(hosts.filter(failed)));
      ring.state = later && d.policy.gate.soakMs > 0 && hosts.length > 0 ? 'soaking' : 'passed';
    }
    if (ring.state === 'soaking') {
      const until = Date.parse(ring.doneAt!) + d.policy.gate.soakMs;
      if (ctx.now < until) return { launch: [], wakeAt: until };
      ring.state = 'passed';
    }
  }
  d.state = 'completed';
  return { launch: [] };
};

/** When the pilot ring ended (for "after 24 h in the pilot ring"), if it has. */
export const pilotDoneAt = (d: Deployment): number | undefined => {
  const at = d.rings[0]?.doneAt;
  return at ? Date.parse(at) : undefined;
};
