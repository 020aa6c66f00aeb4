/**
 * How long an upstream may hold a download open. The connection's idle timeout (undici's body
 * timeout) ends a silent upstream, but one that drips a byte every few seconds is never silent:
 * the rate floor ends it, and the deadline ends anything else that drags on.
 */
import type { Clock } from './ports.js';

export interface DownloadLimits {
  /** A download every client has left is stopped after this long (unless someone joins again). */
  abandonGraceMs: number;
  /** An upstream connection must deliver at least this many bytes... */
  minRateBytes: number;
  /** ...in every window of this length, or it counts as dropped (and is resumed or retried). */
  rateWindowMs: number;
  /** No download may take longer than this in total, retries included. */
  maxDurationMs: number;
}

/**
 * The rate floor of one upstream connection, checked as chunks arrive (a connection that sends
 * nothing at all is ended by the idle timeout instead). Time spent waiting for the WAN budget is
 * ours, not the upstream's, and does not count.
 */
export class RateFloor {
  private windowStart: number;
  private windowBytes = 0;
  private waited = 0;

  constructor(
    private readonly limits: Pick<DownloadLimits, 'minRateBytes' | 'rateWindowMs'>,
    private readonly clock: Clock,
  ) {
    this.windowStart = clock.now();
  }

  /** `bytes` arrived after `waitedMs` spent on our own pacing; returns why to give up, if so. */
  arrived(bytes: number, waitedMs: number): string | undefined {
    this.windowBytes += bytes;
    this.waited += waitedMs;
    const now = this.clock.now();
    const elapsed = now - this.windowStart - this.waited;
    if (elapsed < this.limits.rateWindowMs) return undefined;
    if (this.windowBytes < this.limits.minRateBytes) {
      return `the upstream sent ${this.windowBytes} bytes in ${Math.round(elapsed)} ms, below the floor of ${this.limits.minRateBytes} bytes per ${this.limits.rateWindowMs} ms`;
    }
    this.windowStart = now;
    this.windowBytes = 0;
    this.waited = 0;
    return undefined;
  }
}
