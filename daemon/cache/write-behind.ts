/**
 * Upstream bytes into a download's temp file without waiting for the disk between packets: while
 * one write is in flight the next packets queue, and go out together in one positional writev when
 * it is done. The upstream socket is read at its own pace instead of one thread-pool round trip per
 * packet (on a loaded Pi each round trip waits for a turn on the CPU, and the upstream stalls that
 * long each time). Readers get the bytes as they arrive (the download's in-memory tail) when the
 * length was announced; they become `written` (and reach the hash) only once on disk, in order, so
 * a resume still starts exactly after the last byte stored.
 */
import type { Hash } from 'node:crypto';
import { diskError } from './blob-store.js';
import type { Download } from './download.js';
import { FatalError } from './download-errors.js';

/** Past this much queued the receiver waits for the disk (memory stays bounded). */
const MAX_QUEUED = 4 * 1024 * 1024;

export interface WriteBehindHooks {
  /** Room in the quota for the download to reach `bytes` (throws when there is none). */
  makeRoom(bytes: number): Promise<void>;
  hash(): Hash;
  onStored(bytes: number): void;
}

export class WriteBehind {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private flushing: Promise<void> | undefined;
  private error: unknown;
  /**
   * Readers get bytes as they arrive only when the length was announced: the quota holds room for
   * all of it. A body of unknown length gets room as it goes, so its readers get only stored bytes
   * (never bytes past the quota).
   */
  private readonly early: boolean;

  constructor(
    private readonly d: Download,
    private readonly hooks: WriteBehindHooks,
  ) {
    this.early = d.total !== undefined;
  }

  /** Bytes accepted (queued or on disk) so far: where the next packet starts. */
  get end(): number {
    return this.d.written + this.queued + this.inFlight;
  }

  /** Bytes of the write now in flight. */
  private inFlight = 0;

  async push(data: Uint8Array): Promise<void> {
    if (this.error) throw this.error;
    if (this.early) this.d.arrived(data);
    this.queue.push(data);
    this.queued += data.length;
    this.flushing ??= this.flush();
    if (this.queued + this.inFlight >= MAX_QUEUED) await this.flushing;
    if (this.error) throw this.error;
  }

  /** Wait until every byte pushed is on disk; throws the disk's error if a write failed. */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.error) throw this.error;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.error) {
        const batch = this.queue;
        const bytes = this.queued;
        this.queue = [];
        this.queued = 0;
        this.inFlight = bytes;
        await this.write(batch, bytes);
        this.inFlight = 0;
      }
    } catch (err) {
      this.error = err;
      this.inFlight = 0;
    } finally {
      this.flushing = undefined;
    }
  }

  private async write(batch: Uint8Array[], bytes: number): Promise<void> {
    const d = this.d;
    await this.hooks.makeRoom(d.written + bytes);
    try {
      const { bytesWritten } = await d.temp.handle.writev(batch, d.written);
      if (bytesWritten !== bytes) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    } catch (err) {
      throw new FatalError((diskError(err, `downloading ${d.url}`) as Error).message);
    }
    const hash = this.hooks.hash();
    for (const b of batch) hash.update(b);
    this.hooks.onStored(bytes);
    if (!this.early) for (const b of batch) d.arrived(b);
    d.stored(bytes);
  }
}
