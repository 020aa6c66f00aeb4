/**
 * Upstream downloads: single-flight (one download per URL however many clients ask), resume with
 * Range after a dropped connection (only when that cannot splice two files), retries with
 * exponential backoff, the shared WAN token bucket, limits on time and rate, a download nobody
 * wants any more stopped after a grace, and verification (size, and sha256 when the expected hash
 * is known) before the bytes become a blob. Upstream I/O goes through the `Upstream` port; one
 * response at a time is consumed by the BodyReceiver.
 */
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Expected } from './apt-index.js';
import type { BlobStore } from './blob-store.js';
import { BodyReceiver, newProgress, type Progress } from './body-receiver.js';
import type { CacheEntry } from './cache-index.js';
import { Download } from './download.js';
import { FatalError, UpstreamStatusError } from './download-errors.js';
import type { DownloadLimits } from './download-limits.js';
import type { Clock, Upstream, UpstreamResponse } from './ports.js';
import type { TokenBucket } from './token-bucket.js';

export interface FetcherOptions {
  upstream: Upstream;
  blobs: BlobStore;
  clock: Clock;
  bucket: TokenBucket;
  log: Logger;
  retries: number;
  retryBaseMs: number;
  limits: DownloadLimits;
  /** Make room for the download of `url` to reach `bytes` (quota/LRU eviction, free-space floor). */
  reserve(bytes: number, url: string, onDisk: number): Promise<void>;
  /** Count bytes that crossed the WAN. */
  onUpstreamBytes(bytes: number): void;
  /** The verified blob is in place: index it (before readers see the final byte). */
  onCommitted(entry: CacheEntry, download: Download): void;
  /** The download is over, committed or not. */
  onFinished(download: Download): void;
}

export interface StartOptions {
  expected?: Expected | undefined;
  mutable: boolean;
  /** A response already received (a revalidation that came back 200). */
  first?: UpstreamResponse | undefined;
}

export class Fetcher {
  readonly active = new Map<string, Download>();
  private readonly receiver: BodyReceiver;

  constructor(private readonly opts: FetcherOptions) {
    this.receiver = new BodyReceiver(opts);
  }

  /** Downloads whose temp file is being created: late callers join these too. */
  private readonly starting = new Map<string, Promise<Download>>();

  /** The download for `url`: the one in flight (created false), or a new one. */
  async start(url: string, start: StartOptions): Promise<{ download: Download; created: boolean }> {
    // No await before `starting` is set: callers in the same tick must find it.
    const pending = this.starting.get(url);
    const current = this.active.get(url) ?? (pending ? await pending : undefined);
    if (current) {
      start.first?.discard();
      return { download: current, created: false };
    }
    const created = this.opts.blobs.createTemp().then((temp) => {
      const d: Download = new Download(url, temp, this.opts.clock.now(), () => this.abandonLater(d));
      this.active.set(url, d);
      void this.run(d, start).finally(() => {
        if (this.active.get(url) === d) this.active.delete(url);
        this.opts.onFinished(d);
      });
      return d;
    });
    this.starting.set(url, created);
    try {
      return { download: await created, created: true };
    } finally {
      this.starting.delete(url);
    }
  }

  abortAll(reason: string): void {
    for (const d of this.active.values()) d.abort.abort(new DepotError('UNAVAILABLE', reason));
  }

  /**
   * Every client has left `d` (a prefetch holds its download until done): stop it after the grace
   * unless someone joined again, so a client that asks and leaves cannot make the appliance fetch
   * a large (or endless) file for nobody.
   */
  private abandonLater(d: Download): void {
    const wanted = (): boolean => d.readers > 0 || d.status === 'committed' || d.status === 'failed';
    this.opts.clock.sleep(this.opts.limits.abandonGraceMs, d.abort.signal).then(
      () => {
        if (wanted()) return;
        d.abort.abort(
          new DepotError(
            'UNAVAILABLE',
            `download of ${d.url} stopped after ${d.written} bytes: every client left`,
          ),
        );
      },
      () => undefined,
    );
  }

  private async run(d: Download, start: StartOptions): Promise<void> {
    const log = this.opts.log.child('download', { id: d.id });
    const p = newProgress();
    try {
      let first = start.first;
      let sha256: string;
      for (;;) {
        await this.fetchAll(d, p, start.expected, first, log);
        first = undefined;
        sha256 = p.hash.digest('hex');
        const expected = start.expected;
        // A resume without a validator was allowed only because the hash would catch a splice.
        if (!p.blindResume || p.restartedForHash || !expected || expected.sha256 === sha256) break;
        log.warn('a resumed download failed its hash; downloading again from byte 0', { url: d.url });
        p.restartedForHash = true;
        await this.receiver.restart(d, p);
      }
      this.verify(d, sha256, start.expected);
      await this.opts.blobs.commit(d.temp, sha256);
      this.committed(d, sha256, start, log);
    } catch (err) {
      // An abort (shutdown, every client left) says why in its reason; undici's error does not.
      const reason: unknown = d.abort.signal.aborted ? d.abort.signal.reason : err;
      const error =
        reason instanceof FatalError
          ? new DepotError('UNAVAILABLE', reason.message, { cause: reason })
          : reason;
      await this.opts.blobs.discard(d.temp).catch(() => undefined);
      d.failed(error as Error);
      if (!(error instanceof UpstreamStatusError)) log.warn('download failed', { url: d.url, err: error });
    }
  }

  /** Attempts until the whole body is in the temp file: resumes, retries with backoff. */
  private async fetchAll(
    d: Download,
    p: Progress,
    expected: Expected | undefined,
    first: UpstreamResponse | undefined,
    log: Logger,
  ): Promise<void> {
    for (;;) {
      d.attempts++;
      try {
        const res = first ?? (await this.receiver.request(d, p, expected));
        first = undefined;
        await this.receiver.receive(d, res, p, expected);
        return;
      } catch (err) {
        // A DepotError (an upstream status, a refused redirect) is final too.
        if (err instanceof FatalError || err instanceof DepotError || d.abort.signal.aborted) throw err;
        // An answer that is not HTTP (a negative or malformed Content-Length, a bad status line:
        // undici's HTTPParserError, which its llhttp raises on the response head) is the upstream's
        // own and comes back the same: said at once, not after every retry with backoff.
        if ((err as Error).name === 'HTTPParserError') {
          throw new DepotError(
            'UNAVAILABLE',
            `${d.url}: the upstream's answer is not valid HTTP (${(err as Error).message}); not retried`,
            { cause: err },
          );
        }
        if (d.attempts > this.opts.retries) {
          throw new DepotError(
            'UNAVAILABLE',
            `download of ${d.url} failed after ${d.attempts} attempts: ${(err as Error).message}`,
            { cause: err },
          );
        }
        const wait = this.opts.retryBaseMs * 2 ** (d.attempts - 1) * (0.75 + Math.random() * 0.5);
        log.warn('upstream attempt failed; retrying', {
          url: d.url,
          attempt: d.attempts,
          received: d.written,
          waitMs: Math.round(wait),
          err,
        });
        await this.opts.clock.sleep(wait, d.abort.signal);
      }
    }
  }

  private committed(d: Download, sha256: string, start: StartOptions, log: Logger): void {
    const now = this.opts.clock.now();
    const entry: CacheEntry = {
      url: d.url,
      sha256,
      size: d.written,
      ...(d.etag ? { etag: d.etag } : {}),
      ...(d.lastModified ? { lastModified: d.lastModified } : {}),
      contentType: d.contentType,
      fetchedAt: now,
      validatedAt: now,
      hits: 0,
      lastAccess: now,
      pinned: false,
      mutable: start.mutable,
      verified: start.expected ? 'sha256' : 'size',
    };
    this.opts.onCommitted(entry, d);
    d.committed(entry);
    log.info('cached', {
      url: d.url,
      bytes: d.written,
      sha256,
      attempts: d.attempts,
      verified: entry.verified,
    });
  }

  private verify(d: Download, sha256: string, expected: Expected | undefined): void {
    if (d.total !== undefined && d.written !== d.total)
      throw new FatalError(`${d.url}: got ${d.written} bytes, upstream announced ${d.total}`);
    if (!expected) return;
    if ((expected.size !== undefined && expected.size !== d.written) || expected.sha256 !== sha256) {
      throw new FatalError(
        `${d.url} failed verification: expected sha256 ${expected.sha256}, got ${sha256} (${d.written} bytes); the file was discarded`,
      );
    }
  }
}
