/**
 * The one debounced durable writer for in-memory JSON documents (the state, the asset file, the
 * cache index). Changes apply in memory at once; the document is written later, so that a burst
 * of changes becomes one write (SD cards wear out):
 *
 * - debounced: each change postpones the write by `debounceMs`, but never past `maxDelayMs` after
 *   the first change that is not on disk yet (or past the `withinMs` a change asks for);
 * - atomic: the sink replaces the file durably (JsonFileAdapter: temp + fsync + rename + fsync of
 *   the directory), so after kill -9 the file is the previous or the next version;
 * - honest: a `changed()` or `flush()` promise resolves only once a write taken after that change
 *   is durable, and rejects when that write fails. The change stays in memory and is written again
 *   with the next change, after `retryMs`, or at `flush()`/`stop()`.
 *
 * Writes run one at a time; each takes a fresh snapshot, so it carries every change made so far.
 */
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';

/** Where the document goes; JsonFileAdapter in the daemon (lowdb's Adapter has this shape). */
export interface DocumentSink<T> {
  write(doc: T): Promise<void>;
}

export interface DebouncedWriterOptions<T> {
  sink: DocumentSink<T>;
  /** The document as it is now; serialised by the sink before it first awaits. */
  snapshot: () => T;
  debounceMs: number;
  maxDelayMs: number;
  /**
   * Wait this long before trying a failed write again when no change comes (default: maxDelayMs,
   * at least 1 s), doubling while writes keep failing, up to a minute: a full disk is not hammered.
   */
  retryMs?: number;
  /** What is written, for log lines and errors ("state", "asset file"). */
  name: string;
  log: Logger;
}

interface Waiter {
  /** The change count the caller needs on disk. */
  upTo: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class DebouncedWriter<T> {
  /** Changes noted so far; a write records how many it carries. */
  private changes = 0;
  /** Every change up to this count is on disk. */
  private durable = 0;
  /** Change count carried by the write in progress. */
  private inFlight: number | undefined;
  /** A write is queued behind the one in progress and has not taken its snapshot yet. */
  private queued = false;
  private tail: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The latest moment the next write may start (the earliest promise made to a change). */
  private deadline = Number.POSITIVE_INFINITY;
  private stopped = false;
  /** Failed writes in a row, for the retry back-off. */
  private failures = 0;
  /** Count of completed writes, for /metrics and tests of coalescing. */
  writes = 0;

  constructor(private readonly opts: DebouncedWriterOptions<T>) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Note a change; resolves once a write containing it is durable, rejects if that write fails.
   * After `stop()` it rejects at once: the change stays in memory only.
   */
  changed(withinMs?: number): Promise<void> {
    if (this.stopped) return Promise.reject(this.stoppedError());
    this.changes++;
    const done = this.waitFor(this.changes);
    this.plan(withinMs);
    return done;
  }

  /** Note a change nobody waits for (hit counters); a failed write is logged and retried. */
  mark(withinMs?: number): void {
    if (this.stopped) return;
    this.changes++;
    this.plan(withinMs);
  }

  /** Write now whatever is not on disk yet; resolves once it is durable. */
  flush(): Promise<void> {
    const upTo = this.changes;
    if (upTo === this.durable) return Promise.resolve();
    const done = this.waitFor(upTo);
    // The write in progress may already carry everything; then its outcome is the answer.
    if ((this.inFlight ?? -1) < upTo) this.startWrite();
    return done;
  }

  /** Write what is pending and refuse further changes; rejects if the final write fails. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer();
    await this.flush();
  }

  private stoppedError(): DepotError {
    return new DepotError('UNAVAILABLE', `${this.opts.name} is stopped`);
  }

  private waitFor(upTo: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
    });
  }

  private plan(withinMs = this.opts.maxDelayMs): void {
    const now = Date.now();
    this.deadline = Math.min(this.deadline, now + withinMs);
    this.arm(Math.min(now + this.opts.debounceMs, this.deadline) - now);
  }

  private arm(delayMs: number): void {
    this.cancelTimer();
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.startWrite();
      },
      Math.max(0, delayMs),
    );
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Queue one write behind the one in progress (at most one waits); its outcome reaches the waiters. */
  private startWrite(): void {
    this.cancelTimer();
    this.deadline = Number.POSITIVE_INFINITY;
    if (this.queued) return;
    this.queued = true;
    this.tail = this.tail.then(() => this.writeOnce());
  }

  private async writeOnce(): Promise<void> {
    this.queued = false;
    const upTo = this.changes;
    if (upTo === this.durable) return;
    this.inFlight = upTo;
    try {
      await this.opts.sink.write(this.opts.snapshot());
      this.writes++;
      this.failures = 0;
      this.durable = upTo;
      this.settle(upTo);
    } catch (err) {
      this.opts.log.error(`${this.opts.name} write failed; will retry`, { err });
      this.failures++;
      this.settle(upTo, err);
      if (!this.stopped && !this.timer) this.arm(this.retryDelay());
    } finally {
      this.inFlight = undefined;
    }
  }

  private retryDelay(): number {
    const base = this.opts.retryMs ?? Math.max(1000, this.opts.maxDelayMs);
    return Math.min(base * 2 ** (this.failures - 1), Math.max(base, 60_000));
  }

  private settle(upTo: number, err?: unknown): void {
    const done = this.waiters.filter((w) => w.upTo <= upTo);
    this.waiters = this.waiters.filter((w) => w.upTo > upTo);
    for (const w of done) {
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
  }
}
