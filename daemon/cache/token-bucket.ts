/**
 * WAN rate limit: a token bucket shared by every upstream download. Tokens (bytes) refill at
 * `rate` per second up to `burst`; a download takes tokens for each chunk and waits when the
 * bucket is empty, which also stops reading the socket (TCP back-pressure slows the sender).
 */
import type { Clock } from './ports.js';

export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private rate: number,
    private readonly clock: Clock,
    private burst = Math.max(rate, 64 * 1024),
  ) {
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** 0 means unlimited. */
  setRate(rate: number): void {
    this.refill();
    this.rate = rate;
    this.burst = Math.max(rate, 64 * 1024);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  get limited(): boolean {
    return this.rate > 0;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Wait until `bytes` may be sent. Callers are served in order so no download starves. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!this.limited) return Promise.resolve();
    const turn = this.queue.then(async () => {
      // A chunk larger than the burst is paid for in burst-sized instalments.
      let owed = bytes;
      while (owed > 0) {
        this.refill();
        const part = Math.min(owed, this.burst);
        if (this.tokens >= part) {
          this.tokens -= part;
          owed -= part;
          continue;
        }
        await this.clock.sleep(Math.ceil(((part - this.tokens) / this.rate) * 1000), signal);
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}
