/**
 * Sliding-window attempt limiter keyed by client address (login throttling). Pure and in memory;
 * its owner saves `snapshot()` and feeds it back with `restore()` so a restart does not forgive.
 */
import { type Clock, systemClock } from '../lifecycle.js';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the next attempt is allowed (0 when allowed). */
  retryAfter: number;
}

export class AttemptLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock = systemClock,
    private readonly maxKeys = 10_000,
  ) {}

  attempt(key: string): RateDecision {
    const t = this.clock.now();
    const recent = (this.hits.get(key) ?? []).filter((at) => t - at < this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return { allowed: false, retryAfter: Math.max(1, Math.ceil((recent[0]! + this.windowMs - t) / 1000)) };
    }
    recent.push(t);
    if (!this.hits.has(key) && this.hits.size >= this.maxKeys) this.prune(t);
    this.hits.set(key, recent);
    return { allowed: true, retryAfter: 0 };
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  /** Attempts still inside the window, per key: what a restart must remember. */
  snapshot(): Record<string, number[]> {
    const t = this.clock.now();
    const out: Record<string, number[]> = {};
    for (const [key, times] of this.hits) {
      const recent = times.filter((at) => t - at < this.windowMs);
      if (recent.length) out[key] = recent;
    }
    return out;
  }

  /**
   * Take back a snapshot, read from disk: whatever is not a list of times inside the window is
   * dropped (a damaged entry forgives one client; it never stops a start).
   */
  restore(saved: unknown): void {
    if (typeof saved !== 'object' || saved === null) return;
    const t = this.clock.now();
    for (const [key, times] of Object.entries(saved)) {
      if (this.hits.size >= this.maxKeys) break;
      if (!Array.isArray(times)) continue;
      const recent = times
        .filter((at): at is number => Number.isFinite(at) && t - at < this.windowMs && at <= t)
        .slice(-this.limit);
      if (recent.length) this.hits.set(key, recent);
    }
  }

  private prune(t: number): void {
    for (const [key, times] of this.hits) {
      if (times.every((at) => t - at >= this.windowMs)) this.hits.delete(key);
    }
    // Still full (a flood of addresses): forget clients that are not blocked first, so a blocked
    // client cannot flush its own history with a few spoofed neighbours; only then the oldest.
    for (const [key, times] of this.hits) {
      if (this.hits.size < this.maxKeys) break;
      if (times.filter((at) => t - at < this.windowMs).length < this.limit) this.hits.delete(key);
    }
    for (const key of this.hits.keys()) {
      if (this.hits.size < this.maxKeys) break;
      this.hits.delete(key);
    }
  }
}
