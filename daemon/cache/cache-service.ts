/**
 * The patch cache as a service: resolves a URL to cached bytes or to the download that will
 * produce them, revalidates mutable index files, keeps the cache under its quota (LRU, pinned
 * entries kept), learns expected hashes from apt indexes, and keeps the statistics.
 */
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { ExpectedHashes } from './apt-index.js';
import { BlobStore } from './blob-store.js';
import { type CacheEntry, CacheIndex } from './cache-index.js';
import type { Download } from './download.js';
import { UpstreamStatusError } from './download-errors.js';
import type { DownloadLimits } from './download-limits.js';
import type { DownloadWindows } from './download-window.js';
import { Fetcher } from './fetcher.js';
import type { Clock, Upstream } from './ports.js';
import { PrefetchQueue } from './prefetch.js';
import { Quota } from './quota.js';
import type { Resolved } from './resolved.js';
import { scrubBlobs } from './scrub.js';
import { TokenBucket } from './token-bucket.js';
import { hashFromUrl, isMutable, type UpstreamAllowList } from './url-policy.js';

export interface CacheServiceOptions {
  root: string;
  upstream: Upstream;
  clock: Clock;
  log: Logger;
  allow: UpstreamAllowList;
  windows: DownloadWindows;
  /** Refuse client misses outside the download windows (otherwise windows only gate prefetch). */
  strictWindows: boolean;
  quotaBytes: number;
  /** Keep at least this much free on the volume whatever the quota says. */
  minFreeBytes: number;
  rateBytesPerSec: number;
  mutableMaxAgeMs: number;
  retries: number;
  retryBaseMs: number;
  /** Abandoned downloads, rate floor, deadline. */
  limits: DownloadLimits;
  /** Largest decompressed apt index read for expected hashes (`cache.maxIndexMB`). */
  maxIndexBytes: number;
  indexDebounceMs?: number;
}

export type { Resolved } from './resolved.js';

export class CacheService {
  readonly blobs: BlobStore;
  readonly index: CacheIndex;
  readonly fetcher: Fetcher;
  readonly bucket: TokenBucket;
  readonly expected: ExpectedHashes;
  readonly prefetch: PrefetchQueue;
  private readonly revalidating = new Map<string, Promise<Resolved>>();
  /** Where LAN hosts reach the proxy (set by the module once it listens), shown on the Cache page. */
  proxyPort: number | undefined;
  /** The proxy's listen address (0.0.0.0 or :: when it listens on every interface). */
  proxyHost: string | undefined;
  readonly quota: Quota;
  private readonly stopping = new AbortController();
  private scrubbing: Promise<void> = Promise.resolve();
  /** Index parsing in progress; a new download waits for it so its expected hash is known. */
  private learning: Promise<void> = Promise.resolve();

  constructor(readonly opts: CacheServiceOptions) {
    this.blobs = new BlobStore(opts.root);
    this.expected = new ExpectedHashes(opts.maxIndexBytes);
    this.index = new CacheIndex(opts.root, opts.log, opts.indexDebounceMs);
    this.bucket = new TokenBucket(opts.rateBytesPerSec, opts.clock);
    this.quota = new Quota(this.index, this.blobs, opts);
    this.fetcher = new Fetcher({
      upstream: opts.upstream,
      blobs: this.blobs,
      clock: opts.clock,
      bucket: this.bucket,
      log: opts.log,
      retries: opts.retries,
      retryBaseMs: opts.retryBaseMs,
      limits: opts.limits,
      reserve: (bytes, url, onDisk) => this.quota.reserve(bytes, url, onDisk),
      onUpstreamBytes: (n) => this.index.stats.fetchedUpstream(n, opts.clock.now()),
      onCommitted: (entry, d) => this.committed(entry, d),
      onFinished: (d) => this.quota.settle(d.url),
    });
    this.prefetch = new PrefetchQueue(this, opts.windows, opts.clock, opts.log.child('prefetch'));
  }

  async start(): Promise<void> {
    await this.blobs.start();
    await this.index.load();
    const { dropped, orphans } = this.index.reconcile(await this.blobs.list());
    for (const sha of orphans) await this.blobs.remove(sha);
    if (dropped || orphans.length)
      this.opts.log.warn('cache index repaired at start', { dropped, orphanBlobsRemoved: orphans.length });
    this.opts.log.info('cache ready', {
      entries: this.index.size,
      usedBytes: this.index.usedBytes(),
      upstreams: this.opts.allow.prefixes,
    });
    // Rebuild expected hashes from the indexes already cached (kept in memory only).
    this.learning = this.relearn();
    this.scrubbing = scrubBlobs(
      this.index,
      this.blobs,
      this.quota,
      this.opts.log,
      this.stopping.signal,
    ).catch((err: unknown) => this.opts.log.warn('cache scrub stopped', { err }));
    await this.prefetch.start();
  }

  /** Resolves when the start-up scrub has finished (tests, diagnostics). */
  scrubbed(): Promise<void> {
    return this.scrubbing;
  }

  async stop(): Promise<void> {
    this.prefetch.stop();
    this.stopping.abort(new DepotError('UNAVAILABLE', 'the appliance is shutting down'));
    this.fetcher.abortAll('the appliance is shutting down');
    await this.index.close();
  }

  private async relearn(): Promise<void> {
    for (const e of this.index.all()) if (this.expected.isIndex(new URL(e.url))) await this.learnFrom(e);
  }

  /**
   * Learn the hashes a cached apt index announces. An index that cannot be read (a decompression
   * bomb, corrupt bytes) is dropped from the cache: it is logged once and not expanded again at
   * every start; apt's next update fetches it afresh.
   */
  private async learnFrom(entry: CacheEntry): Promise<void> {
    try {
      await this.expected.learn(new URL(entry.url), await readFile(this.blobs.path(entry.sha256)));
    } catch (err) {
      const bad = err instanceof DepotError && err.code === 'BAD_INPUT';
      this.opts.log.warn(
        bad ? 'cached apt index is unreadable; dropped from the cache' : 'could not parse apt index',
        {
          url: entry.url,
          err,
        },
      );
      if (bad && this.index.get(entry.url)?.sha256 === entry.sha256) {
        this.index.delete(entry.url);
        await this.quota.dropBlobIfUnused(entry.sha256).catch(() => undefined);
      }
    }
  }

  /**
   * Resolve a client request for `raw`. Throws FORBIDDEN for URLs outside the allow-list,
   * NOT_FOUND/UNAVAILABLE for upstream failures before any byte arrived.
   */
  async resolve(raw: string, opts: { maxAgeMs?: number | undefined } = {}): Promise<Resolved> {
    const url = this.opts.allow.check(raw);
    const key = url.href;
    const entry = this.index.get(key);
    if (entry && !(await this.republished(entry))) {
      // A client may ask for a fresher copy of a mutable file (apt's Cache-Control on index
      // files); immutable files are never refetched for it.
      const maxAge = Math.min(this.opts.mutableMaxAgeMs, opts.maxAgeMs ?? Number.POSITIVE_INFINITY);
      const fresh = !entry.mutable || this.opts.clock.now() - entry.validatedAt < maxAge;
      if (fresh) {
        const hit = await this.hit(entry, false);
        if (hit) return hit;
      } else {
        return this.revalidate(entry);
      }
    }
    const active = this.fetcher.active.get(key);
    if (active) {
      const release = active.hold();
      this.index.stats.hit();
      try {
        await active.ready;
      } catch (err) {
        release();
        throw err;
      }
      return { kind: 'download', download: active, joined: true, release: async () => release() };
    }
    if (this.opts.strictWindows && !this.opts.windows.isOpen(new Date(this.opts.clock.now()))) {
      throw new DepotError(
        'UNAVAILABLE',
        `${key} is not cached and downloads are only allowed ${this.opts.windows.describe()}`,
      );
    }
    return this.download(url);
  }

  /**
   * A kept file the current apt index names with other bytes (a local repository rebuilt) is
   * fetched again and verified: served, every host's apt refused it ("File has unexpected size").
   */
  private async republished(entry: CacheEntry): Promise<boolean> {
    if (entry.mutable) return false;
    await this.learning;
    const want = this.expected.contradicts(entry.url, entry.sha256);
    if (want) this.opts.log.info('the index names other bytes: fetching again', { url: entry.url, want });
    return want !== undefined;
  }

  private async download(url: URL, first?: Parameters<Fetcher['start']>[1]['first']): Promise<Resolved> {
    const key = url.href;
    if (!this.fetcher.active.has(key)) await this.learning;
    const { download: d, created } = await this.fetcher.start(key, {
      expected: this.expected.get(key) ?? byHash(url),
      mutable: isMutable(url),
      first,
    });
    const joined = !created;
    const release = d.hold();
    if (joined) this.index.stats.hit();
    else this.index.stats.miss();
    try {
      await d.ready; // an upstream error before the first byte becomes the client's error
    } catch (err) {
      release();
      throw err;
    }
    return { kind: 'download', download: d, joined, release: async () => release() };
  }

  private async hit(entry: CacheEntry, stale: boolean): Promise<Resolved | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.blobs.path(entry.sha256), 'r');
    } catch {
      // The blob vanished underneath us (removed by hand): forget the entry, fetch again.
      this.index.delete(entry.url);
      return undefined;
    }
    this.quota.acquire(entry.sha256);
    this.index.touch(entry.url, this.opts.clock.now());
    this.index.stats.hit();
    let open_ = true;
    const release = async (): Promise<void> => {
      if (!open_) return;
      open_ = false;
      this.quota.release(entry.sha256);
      await handle.close().catch(() => undefined);
    };
    return { kind: 'hit', entry, handle, stale, release };
  }

  /** Conditional GET for a mutable file; one in flight per URL. */
  private revalidate(entry: CacheEntry): Promise<Resolved> {
    const pending = this.revalidating.get(entry.url);
    if (pending) return pending.then((r) => this.again(r, entry));
    const p = this.doRevalidate(entry).finally(() => this.revalidating.delete(entry.url));
    this.revalidating.set(entry.url, p);
    return p;
  }

  /** A second caller of a revalidation needs its own file handle. */
  private async again(r: Resolved, entry: CacheEntry): Promise<Resolved> {
    if (r.kind === 'download') {
      const release = r.download.hold();
      return { ...r, joined: true, release: async () => release() };
    }
    return (await this.hit(this.index.get(entry.url) ?? entry, r.stale)) ?? this.resolve(entry.url);
  }

  private async doRevalidate(entry: CacheEntry): Promise<Resolved> {
    const headers: Record<string, string> = {};
    if (entry.etag) headers['if-none-match'] = entry.etag;
    if (entry.lastModified) headers['if-modified-since'] = entry.lastModified;
    let res: Awaited<ReturnType<Upstream['request']>>;
    try {
      res = await this.opts.upstream.request({
        url: entry.url,
        method: 'GET',
        headers,
        // No overall deadline: a 200 body becomes a download that may take long on a slow WAN. The
        // upstream's connect/headers/idle timeouts still apply, and stop() aborts it.
        signal: this.stopping.signal,
      });
    } catch (err) {
      // Upstream unreachable: a branch office keeps working from what it has.
      this.opts.log.warn('revalidation failed; serving the cached copy', { url: entry.url, err });
      return (await this.hit(entry, true)) ?? this.download(new URL(entry.url));
    }
    if (res.status === 304) {
      res.discard();
      entry.validatedAt = this.opts.clock.now();
      this.index.put(entry);
      return (await this.hit(entry, false)) ?? this.download(new URL(entry.url));
    }
    if (res.status === 200) return this.download(new URL(entry.url), res);
    res.discard();
    if (res.status === 404 || res.status === 410) {
      this.index.delete(entry.url);
      throw new UpstreamStatusError(res.status, entry.url);
    }
    this.opts.log.warn('revalidation got an error; serving the cached copy', {
      url: entry.url,
      status: res.status,
    });
    return (await this.hit(entry, true)) ?? this.download(new URL(entry.url));
  }

  private committed(entry: CacheEntry, _d: Download): void {
    const old = this.index.get(entry.url);
    if (old) entry.pinned = old.pinned;
    this.index.put(entry);
    this.quota.settle(entry.url);
    if (old && old.sha256 !== entry.sha256) {
      this.quota.dropBlobIfUnused(old.sha256).catch((err: unknown) => {
        this.opts.log.warn('could not remove a replaced blob', { sha256: old.sha256, err });
      });
    }
    // Learn the hashes an apt index announces, so the files it lists are verified.
    if (this.expected.isIndex(new URL(entry.url))) {
      this.learning = this.learning.then(() => this.learnFrom(entry));
    }
    // A download without a Content-Length was not reserved up front: settle the quota now.
    void this.evictFor(0).catch(() => undefined);
  }

  /** Evict until the cache fits its quota with `bytes` more; returns the URLs evicted, in order. */
  evictFor(bytes: number): Promise<string[]> {
    return this.quota.evictFor(bytes);
  }

  async evict(url: string): Promise<void> {
    const e = this.index.delete(url);
    if (!e) throw new DepotError('NOT_FOUND', `${url} is not in the cache`);
    await this.quota.dropBlobIfUnused(e.sha256);
    this.opts.log.info('evicted by request', { url });
  }

  setPinned(url: string, pinned: boolean): void {
    const e = this.index.get(url);
    if (!e) throw new DepotError('NOT_FOUND', `${url} is not in the cache`);
    e.pinned = pinned;
    this.index.put(e);
  }

  /** Record bytes sent to a client: joiners and hits did not cost WAN. */
  served(bytes: number, fromCache: boolean): void {
    if (fromCache) this.index.stats.servedFromCache(bytes, this.opts.clock.now());
  }

  /** The largest or most used entries, for the Cache page. */
  top(by: 'size' | 'hits', n: number): CacheEntry[] {
    return this.index
      .all()
      .sort((a, b) => (by === 'size' ? b.size - a.size : b.hits - a.hits) || a.url.localeCompare(b.url))
      .slice(0, n);
  }

  /** Bytes per UTC day for the last `days` days (the statistics keep 90), oldest first. */
  traffic(days: number) {
    return this.index.stats.lastDays(Math.min(days, 90), this.opts.clock.now());
  }

  summary() {
    return {
      entries: this.index.size,
      usedBytes: this.index.usedBytes(),
      quotaBytes: this.opts.quotaBytes,
      pinned: this.index.all().filter((e) => e.pinned).length,
      ...this.index.stats.totals,
      days: this.index.stats.lastDays(14, this.opts.clock.now()),
      downloads: [...this.fetcher.active.values()].map((d) => d.info()),
      prefetch: this.prefetch.jobs(),
      upstreams: this.opts.allow.prefixes,
      windows: this.opts.windows.describe(),
      rateBytesPerSec: this.opts.rateBytesPerSec,
      proxyPort: this.proxyPort,
      proxyHost: this.proxyHost,
      expectedHashes: this.expected.size,
    };
  }
}

const byHash = (url: URL) => {
  const sha = hashFromUrl(url);
  return sha ? { sha256: sha } : undefined;
};
