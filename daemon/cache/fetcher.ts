/**
 * Upstream downloads: single-flight (one download per URL however many clients ask), resume with
 * Range after a dropped connection, retries with exponential backoff, the shared WAN token bucket,
 * and verification (size, and sha256 when the expected hash is known) before the bytes become a
 * blob. Upstream I/O goes through the `Upstream` port.
 */
import { createHash } from 'node:crypto';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Expected } from './apt-index.js';
import { type BlobStore, diskError } from './blob-store.js';
import type { CacheEntry } from './cache-index.js';
import { Download } from './download.js';
import type { Clock, Upstream, UpstreamResponse } from './ports.js';
import type { TokenBucket } from './token-bucket.js';

/** An upstream answer that is final (404, 403...): passed on to the client, never retried. */
export class UpstreamStatusError extends DepotError {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(
      status === 404 || status === 410 ? 'NOT_FOUND' : 'UNAVAILABLE',
      `upstream answered ${status} for ${url}`,
    );
  }
}

/** A failure retrying cannot fix (wrong bytes, disk full, quota). */
class FatalError extends Error {}

export interface FetcherOptions {
  upstream: Upstream;
  blobs: BlobStore;
  clock: Clock;
  bucket: TokenBucket;
  log: Logger;
  retries: number;
  retryBaseMs: number;
  /** Make room for `bytes` more (quota/LRU eviction); throws when impossible. */
  reserve(bytes: number, url: string): Promise<void>;
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

const header = (res: UpstreamResponse, name: string): string | undefined => res.headers[name];

export class Fetcher {
  readonly active = new Map<string, Download>();

  constructor(private readonly opts: FetcherOptions) {}

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
      const d = new Download(url, temp, this.opts.clock.now());
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

  private async run(d: Download, start: StartOptions): Promise<void> {
    const log = this.opts.log.child('download', { id: d.id });
    const hash = createHash('sha256');
    let first = start.first;
    try {
      for (;;) {
        d.attempts++;
        try {
          const res = first ?? (await this.request(d));
          first = undefined;
          await this.receive(d, res, hash, start);
          break;
        } catch (err) {
          // A DepotError (an upstream status, a refused redirect) is final too.
          if (err instanceof FatalError || err instanceof DepotError || d.abort.signal.aborted) throw err;
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
      const sha256 = hash.digest('hex');
      this.verify(d, sha256, start.expected);
      await this.opts.blobs.commit(d.temp, sha256);
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
    } catch (err) {
      const error =
        err instanceof FatalError ? new DepotError('UNAVAILABLE', err.message, { cause: err }) : err;
      await this.opts.blobs.discard(d.temp).catch(() => undefined);
      d.failed(error as Error);
      if (!(err instanceof UpstreamStatusError)) log.warn('download failed', { url: d.url, err: error });
    }
  }

  private request(d: Download): Promise<UpstreamResponse> {
    const headers: Record<string, string> = {};
    if (d.written > 0) {
      headers.range = `bytes=${d.written}-`;
      // Only resume if the file is still the one we started: otherwise upstream sends it whole.
      const validator = d.etag ?? d.lastModified;
      if (validator) headers['if-range'] = validator;
    }
    return this.opts.upstream.request({ url: d.url, method: 'GET', headers, signal: d.abort.signal });
  }

  /** Consume one upstream response into the temp file; throws (retryable) when it ends early. */
  private async receive(
    d: Download,
    res: UpstreamResponse,
    hash: ReturnType<typeof createHash>,
    start: StartOptions,
  ): Promise<void> {
    let skip = 0;
    const resuming = d.written > 0;
    if (res.status === 206 && resuming) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(res, 'content-range') ?? '');
      if (!m || Number(m[1]) !== d.written) {
        res.discard();
        throw new Error(`upstream resumed at the wrong offset (${header(res, 'content-range')})`);
      }
    } else if (res.status === 200) {
      const etag = header(res, 'etag');
      const lastModified = header(res, 'last-modified');
      if (resuming) {
        // Sent whole again: fine if it is the same file (skip what we have), fatal if it changed.
        const same =
          (d.etag && etag === d.etag) || (!d.etag && d.lastModified && lastModified === d.lastModified);
        if (!same) {
          res.discard();
          throw new FatalError(`upstream file ${d.url} changed during the download; try again`);
        }
        skip = d.written;
      } else {
        const length = header(res, 'content-length');
        d.total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
        d.etag = etag;
        d.lastModified = lastModified;
        d.contentType = header(res, 'content-type') ?? 'application/octet-stream';
        const want = start.expected?.size;
        if (want !== undefined && d.total !== undefined && d.total !== want) {
          res.discard();
          throw new FatalError(
            `${d.url} failed verification: upstream announced ${d.total} bytes, the index says ${want}; nothing was stored`,
          );
        }
        if (d.total !== undefined) {
          try {
            await this.opts.reserve(d.total, d.url);
          } catch (err) {
            res.discard();
            throw new FatalError((err as Error).message);
          }
        }
        d.headersKnown();
      }
    } else if (res.status >= 500 || res.status === 408 || res.status === 429) {
      res.discard();
      throw new Error(`upstream answered ${res.status}`);
    } else {
      res.discard();
      throw new UpstreamStatusError(res.status, d.url);
    }

    for await (const chunk of res.body) {
      let data = chunk;
      if (skip > 0) {
        const n = Math.min(skip, data.length);
        skip -= n;
        data = data.subarray(n);
        if (data.length === 0) continue;
      }
      await this.opts.bucket.take(data.length, d.abort.signal);
      if (d.total !== undefined && d.written + data.length > d.total) {
        throw new FatalError(`upstream sent more than the announced ${d.total} bytes for ${d.url}`);
      }
      try {
        await d.temp.handle.write(data, 0, data.length, d.written);
      } catch (err) {
        throw new FatalError((diskError(err, `downloading ${d.url}`) as Error).message);
      }
      hash.update(data);
      this.opts.onUpstreamBytes(data.length);
      d.appended(data);
    }
    if (skip > 0 || (d.total !== undefined && d.written < d.total)) {
      throw new Error(`connection closed after ${d.written} of ${d.total} bytes`);
    }
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
