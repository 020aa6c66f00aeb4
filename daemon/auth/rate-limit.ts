/**
 * Sliding-window attempt limiter keyed by client address (login throttling). In memory on
 * purpose: a restart forgives, which is acceptable for a LAN appliance and spares the SD card.
 */
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
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  attempt(key: string): RateDecision {
    const t = this.now();
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
