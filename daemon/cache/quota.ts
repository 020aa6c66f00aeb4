/**
 * Keeping the cache within its quota: room is reserved for each download before its first byte is
 * written (Content-Length known) or step by step as it streams in (no Content-Length), least
 * recently used unpinned entries are evicted to make it, and blobs being read right now are left
 * alone. A download that cannot fit, in the quota or above the free-space floor, fails with the
 * reason.
 */
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BlobStore } from './blob-store.js';
import type { CacheIndex } from './cache-index.js';

export class Quota {
  /** Blobs being read right now (sha -> readers): eviction skips them. */
  private readonly inUse = new Map<string, number>();
  /** Bytes promised to downloads in flight (by URL), counted against the quota. */
  private readonly reserved = new Map<string, number>();

  constructor(
    private readonly index: CacheIndex,
    private readonly blobs: BlobStore,
    private readonly opts: { quotaBytes: number; minFreeBytes: number; log: Logger },
  ) {}

  acquire(sha: string): void {
    this.inUse.set(sha, (this.inUse.get(sha) ?? 0) + 1);
  }

  release(sha: string): void {
    const n = (this.inUse.get(sha) ?? 1) - 1;
    if (n <= 0) this.inUse.delete(sha);
    else this.inUse.set(sha, n);
  }

  /** The download for `url` is over (committed or failed): its reservation ends. */
  settle(url: string): void {
    this.reserved.delete(url);
  }

  /**
   * Room for the download of `url` to reach `bytes` in all, `onDisk` of which are already written
   * (its earlier reservation is replaced); throws UNAVAILABLE with the reason when there is none.
   */
  async reserve(bytes: number, url: string, onDisk = 0): Promise<void> {
    this.reserved.delete(url);
    let pinned = 0;
    for (const e of this.index.all()) if (e.pinned) pinned += e.size;
    if (bytes > this.opts.quotaBytes - pinned) {
      throw new DepotError(
        'UNAVAILABLE',
        `${url} (${bytes} bytes) does not fit in the cache quota of ${this.opts.quotaBytes} bytes (${pinned} pinned); raise cache.quotaMB`,
      );
    }
    await this.evictFor(bytes);
    const free = await this.blobs.free();
    if (free - (bytes - onDisk) < this.opts.minFreeBytes) {
      throw new DepotError(
        'UNAVAILABLE',
        `not enough disk space for ${url} (${bytes} bytes, ${free} free, ${this.opts.minFreeBytes} kept free): free space on the cache volume or lower cache.quotaMB`,
      );
    }
    this.reserved.set(url, bytes);
  }

  /** Evict until used + reserved + `bytes` fits the quota; returns the URLs evicted, in order. */
  async evictFor(bytes: number): Promise<string[]> {
    let reserved = 0;
    for (const b of this.reserved.values()) reserved += b;
    let used = this.index.usedBytes();
    const evicted: string[] = [];
    const candidates = this.index
      .all()
      .filter((e) => !e.pinned)
      .sort((a, b) => a.lastAccess - b.lastAccess);
    for (const e of candidates) {
      if (used + reserved + bytes <= this.opts.quotaBytes) break;
      if (this.inUse.has(e.sha256)) continue;
      this.index.delete(e.url);
      if (await this.dropBlobIfUnused(e.sha256)) used -= e.size;
      evicted.push(e.url);
    }
    if (evicted.length)
      this.opts.log.info('evicted to stay within quota', { count: evicted.length, first: evicted[0] });
    return evicted;
  }

  /** Remove a blob no entry refers to any more; true when it was removed. */
  async dropBlobIfUnused(sha: string): Promise<boolean> {
    if (this.index.referenced(sha)) return false;
    await this.blobs.remove(sha);
    return true;
  }
}
