/**
 * How often the TFTP server may answer with an error: per source address and in total. A request
 * costs a spoofer nothing, so without this the appliance would reflect error packets at whatever
 * address a forged datagram names. Beyond the limit the server stays silent.
 */
import type { Clock } from '../lifecycle.js';

interface Bucket {
  tokens: number;
  at: number;
}

export class ReplyLimiter {
  private readonly perSource = new Map<string, Bucket>();
  private total: Bucket;

  constructor(
    private readonly clock: Clock,
    private readonly perSourcePerSecond = 5,
    private readonly totalPerSecond = 100,
    private readonly maxSources = 4096,
  ) {
    this.total = { tokens: totalPerSecond, at: clock.now() };
  }

  private take(b: Bucket, rate: number, now: number): boolean {
    b.tokens = Math.min(rate * 2, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Whether one more error reply to `address` is allowed now. */
  allow(address: string): boolean {
    const now = this.clock.now();
    let b = this.perSource.get(address);
    if (!b) {
      if (this.perSource.size >= this.maxSources) this.perSource.clear();
      b = { tokens: this.perSourcePerSecond * 2, at: now };
      this.perSource.set(address, b);
    }
    // Check the source first: a flood from one address must not use up everyone's budget.
    return this.take(b, this.perSourcePerSecond, now) && this.take(this.total, this.totalPerSecond, now);
  }
}
