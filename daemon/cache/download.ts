/**
 * One upstream download in flight, shared by every client that wants the same URL. Bytes go to a
 * temp file; readers follow it as it grows (positional reads on the shared handle), so a client
 * that joins late gets everything received so far at once and then the rest as it arrives. The
 * last byte is held back until the whole file is verified and committed: a client never holds a
 * complete body whose hash did not match — on failure its connection is cut short instead. When the
 * download has to start again from byte 0 (the file changed, or cannot be resumed safely), readers
 * are cut off too: the bytes they hold must not be continued with another file's.
 */
import { randomUUID } from 'node:crypto';
import type { TempBlob } from './blob-store.js';
import type { CacheEntry } from './cache-index.js';

/**
 * Readers behind the in-memory tail read the temp file in aligned blocks of this size, and share
 * them: the slow clients of one stampede lag together, so one read (one thread-pool round trip)
 * serves all of them instead of one per reader per block. At most DISK_BLOCKS stay in memory.
 */
const DISK_BLOCK = 1024 * 1024;
const DISK_BLOCKS = 8;
/**
 * The most recent bytes stay in memory too, in blocks of this size: readers keeping up with the
 * download (LAN clients are faster than the WAN) are served views of them, without a disk read
 * and in pieces far larger than the upstream's packets (one socket write per block, not per packet).
 */
const BLOCK = 256 * 1024;
const TAIL_BLOCKS = 16;
/**
 * Waiting readers are woken at once by the first bytes (they go out as soon as they land; a reader
 * that attaches later gets what is there at once anyway); after that once a block's worth has
 * arrived or WAKE_MS after the first unannounced byte, whichever comes first: 100 joiners then
 * cost 100 socket writes per block instead of per upstream packet, and stay within WAKE_MS.
 */
const WAKE_BYTES = BLOCK;
const WAKE_MS = 10;

interface DiskBlock {
  generation: number;
  /** Bytes asked for from the block's start (a block near the end may grow later). */
  len: number;
  bytes: Promise<Buffer>;
}

interface TailBlock {
  /** File offset of buf[0]. */
  pos: number;
  buf: Buffer;
  used: number;
}

export interface DownloadReader {
  chunks: AsyncGenerator<Buffer>;
  close(): void;
}

export type DownloadStatus = 'waiting' | 'running' | 'committed' | 'failed';

export interface DownloadInfo {
  id: string;
  url: string;
  status: DownloadStatus;
  received: number;
  total: number | undefined;
  readers: number;
  attempts: number;
  startedAt: number;
  error: string | undefined;
}

export class Download {
  readonly id = randomUUID();
  status: DownloadStatus = 'waiting';
  written = 0;
  total: number | undefined;
  contentType = 'application/octet-stream';
  etag: string | undefined;
  lastModified: string | undefined;
  attempts = 0;
  error: Error | undefined;
  entry: CacheEntry | undefined;
  /** Whether the client that caused the download has attached (its bytes are not "saved"). */
  originClaimed = false;
  readers = 0;
  readonly abort = new AbortController();
  /** Resolves once response headers are known (status 200 accepted); rejects if it never gets there. */
  readonly ready: Promise<void>;
  readonly done: Promise<CacheEntry>;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private resolveDone!: (e: CacheEntry) => void;
  private rejectDone!: (err: Error) => void;
  private waiters = new Set<() => void>();
  private closed = false;
  /** Bumped when the download starts again from byte 0. */
  private generation = 0;

  constructor(
    readonly url: string,
    readonly temp: TempBlob,
    readonly startedAt: number,
    /** The last reader left while the download is still running (nobody wants it any more). */
    private readonly onUnwanted: () => void = () => undefined,
  ) {
    this.ready = new Promise((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.done = new Promise((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    // Nobody may be listening (a prefetch): avoid unhandled rejections.
    this.ready.catch(() => undefined);
    this.done.catch(() => undefined);
  }

  info(): DownloadInfo {
    return {
      id: this.id,
      url: this.url,
      status: this.status,
      received: this.written,
      total: this.total,
      readers: this.readers,
      attempts: this.attempts,
      startedAt: this.startedAt,
      error: this.error?.message,
    };
  }

  headersKnown(): void {
    this.status = 'running';
    this.resolveReady();
  }

  private tail: TailBlock[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  private unannounced = 0;
  /** Bytes arrived from upstream (in the tail, on disk or on their way there): `written` or more. */
  private received = 0;
  /** A reader waits for bytes that have left the tail but are not on disk yet. */
  private diskWaiting = false;

  /**
   * `data` arrived at offset `received`, before it is on disk: readers get it from the tail at
   * once (copied there: the caller's buffer may be reused). Should the disk write fail, the
   * download fails and its readers are cut off, as when the upstream fails.
   */
  arrived(data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      let last = this.tail.at(-1);
      if (!last || last.used === last.buf.length) {
        // Never reuse a dropped block: a reader's socket may still be sending a view of it.
        last = { pos: this.received + off, buf: Buffer.allocUnsafe(BLOCK), used: 0 };
        this.tail.push(last);
        if (this.tail.length > TAIL_BLOCKS) this.tail.shift();
      }
      const n = Math.min(data.length - off, last.buf.length - last.used);
      last.buf.set(data.subarray(off, off + n), last.used);
      last.used += n;
      off += n;
    }
    this.received += data.length;
    this.unannounced += data.length;
    if (this.received === this.unannounced || this.unannounced >= WAKE_BYTES) this.wake();
    else this.wakeTimer ??= setTimeout(() => this.wake(), WAKE_MS).unref();
  }

  /** The next `bytes` of what arrived are on disk now (in order). */
  stored(bytes: number): void {
    this.written += bytes;
    if (this.diskWaiting) {
      this.diskWaiting = false;
      this.wake();
    }
  }

  /** Bytes at `pos` (up to `limit`) from the in-memory tail, or undefined when not there. */
  private fromTail(pos: number, limit: number): Buffer | undefined {
    const first = this.tail[0];
    if (!first || pos < first.pos) return undefined;
    const t = this.tail[Math.floor((pos - first.pos) / BLOCK)];
    if (!t || pos >= t.pos + t.used) return undefined;
    return t.buf.subarray(pos - t.pos, Math.min(t.used, limit - t.pos));
  }

  /** The temp file was emptied to start again from byte 0: readers of the old bytes are cut off. */
  restarted(): void {
    this.generation++;
    this.written = 0;
    this.received = 0;
    this.dropTail();
    this.wake();
  }

  committed(entry: CacheEntry): void {
    this.entry = entry;
    this.dropTail();
    this.status = 'committed';
    this.resolveDone(entry);
    this.wake();
    void this.maybeClose();
  }

  failed(err: Error): void {
    if (this.status === 'committed' || this.status === 'failed') return;
    this.error = err;
    this.status = 'failed';
    this.dropTail();
    this.rejectReady(err);
    this.rejectDone(err);
    this.wake();
    void this.maybeClose();
  }

  private dropTail(): void {
    this.tail = [];
    this.diskBlocks.clear();
  }

  private diskBlocks = new Map<number, DiskBlock>();

  /**
   * The block of the temp file at `start` (aligned), holding at least the byte at `pos`: a read
   * already made or in flight is shared; only bytes already on disk are asked for.
   */
  private diskBlock(start: number, pos: number): Promise<Buffer> {
    const known = this.diskBlocks.get(start);
    if (known && known.generation === this.generation && start + known.len > pos) {
      this.diskBlocks.delete(start); // most recently used last
      this.diskBlocks.set(start, known);
      return known.bytes;
    }
    const len = Math.min(DISK_BLOCK, this.written - start);
    const bytes = (async () => {
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await this.temp.handle.read(buf, 0, len, start);
      return bytesRead === len ? buf : buf.subarray(0, bytesRead);
    })();
    const block: DiskBlock = { generation: this.generation, len, bytes };
    this.diskBlocks.delete(start);
    this.diskBlocks.set(start, block);
    bytes.catch(() => {
      if (this.diskBlocks.get(start) === block) this.diskBlocks.delete(start);
    });
    if (this.diskBlocks.size > DISK_BLOCKS) this.diskBlocks.delete(this.diskBlocks.keys().next().value!);
    return bytes;
  }

  /**
   * Bytes a reader may see now: all but the file's last byte until it is verified and committed.
   * With the length announced that is only byte total-1; without it, the latest byte received.
   */
  private visible(): number {
    if (this.status === 'committed') return this.written;
    if (this.total !== undefined && this.received < this.total) return this.received;
    return Math.max(0, this.received - 1);
  }

  private wake(): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.unannounced = 0;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  private changed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        this.waiters.delete(done);
        reject(signal?.reason);
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Keep the shared handle open until the returned function is called (bridges the gap to attach). */
  hold(): () => void {
    this.readers++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.leave();
    };
  }

  private leave(): void {
    this.readers--;
    if (this.readers === 0 && (this.status === 'waiting' || this.status === 'running')) this.onUnwanted();
    void this.maybeClose();
  }

  /**
   * Attach a reader for bytes [start, end) (end = whole file when undefined); undefined when the
   * download is already over and its handle closed (serve the committed blob instead). The reader
   * must be closed (iterating to the end or `close()` does it).
   */
  attach(start: number, end: number | undefined, signal?: AbortSignal): DownloadReader | undefined {
    if (this.closed) return undefined;
    this.readers++;
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      this.leave();
    };
    const generation = this.generation;
    const chunks = async function* (this: Download): AsyncGenerator<Buffer> {
      try {
        let pos = start;
        for (;;) {
          if (this.generation !== generation)
            throw new Error(`the download of ${this.url} had to start again from byte 0; ask again`);
          const limit = end === undefined ? this.visible() : Math.min(end, this.visible());
          const cached = pos < limit ? this.fromTail(pos, limit) : undefined;
          if (cached && cached.length > 0) {
            pos += cached.length;
            yield cached;
            continue;
          }
          if (pos < limit && pos >= this.written) {
            // Left the tail but not on disk yet (the disk is behind): wait for it.
            if (this.status === 'failed') throw this.error ?? new Error('download failed');
            this.diskWaiting = true;
            await this.changed(signal);
            continue;
          }
          if (pos < limit) {
            const start = pos - (pos % DISK_BLOCK);
            const block = await this.diskBlock(start, pos);
            if (this.generation !== generation) continue; // restarted while reading: cut off above
            const piece = block.subarray(pos - start, Math.min(block.length, limit - start));
            if (piece.length === 0) throw new Error('download file shrank while reading');
            pos += piece.length;
            yield piece;
            continue;
          }
          // Throws when the download fails; the caller then cuts its client's connection.
          if (this.status === 'failed') throw this.error ?? new Error('download failed');
          if (end !== undefined && pos >= end) return;
          if (this.status === 'committed' && pos >= this.written) return;
          await this.changed(signal);
        }
      } finally {
        close();
      }
    }.call(this);
    return { chunks, close };
  }

  /** The shared handle closes once the download is over and no reader needs it. */
  private async maybeClose(): Promise<void> {
    if (this.closed || this.readers > 0) return;
    if (this.status !== 'committed' && this.status !== 'failed') return;
    this.closed = true;
    await this.temp.handle.close().catch(() => undefined);
  }
}
