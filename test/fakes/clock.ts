/**
 * A Clock whose time moves only when the test says so. Sleeps wait until `advance()` passes their
 * time and resolve in time order, so schedules, debounces and timeouts are tested without sleeping.
 */
import type { Clock } from '../../daemon/lifecycle.js';

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** Let promise chains and I/O callbacks that are already due run. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ManualClock implements Clock {
  private sleepers: Sleeper[] = [];

  constructor(private t = Date.parse('2026-11-23T10:00:00Z')) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.t + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Sleeps still waiting. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Whether a sleep is due exactly `ms` from now (a backoff of that length was started). */
  sleeping(ms: number): boolean {
    return this.sleepers.some((s) => s.at === this.t + ms);
  }

  /** Move time forward by `ms`, waking each sleeper at its own time, earliest first. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      const next = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.t = Math.max(this.t, next.at);
      next.resolve();
      await turn();
    }
    this.t = target;
    await turn();
  }
}
