/**
 * A Clock whose sleeps return at once and move time forward by what was asked: for loops that
 * poll with backoff until a deadline, where the test only cares what was waited, not when.
 */
import type { Clock } from '../../daemon/lifecycle.js';

export class SteppingClock implements Clock {
  readonly slept: number[] = [];

  constructor(private t = Date.parse('2026-11-23T10:00:00Z')) {}

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.slept.push(ms);
    this.t += ms;
  }
}
