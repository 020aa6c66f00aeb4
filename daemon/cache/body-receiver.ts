/**
 * One upstream answer into a download's temp file: whether it safely continues the bytes we have
 * (resume) or the download starts again from byte 0, room in the quota and above the free-space
 * floor as bytes arrive (a body without Content-Length has no size to reserve up front), the WAN
 * budget, the rate floor and the overall deadline. Throws FatalError for what retrying cannot fix;
 * any other error counts as a dropped connection.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Expected } from './apt-index.js';
import { diskError } from './blob-store.js';
import type { Download } from './download.js';
import { FatalError, UpstreamStatusError } from './download-errors.js';
import { type DownloadLimits, RateFloor } from './download-limits.js';
import type { Clock, Upstream, UpstreamResponse } from './ports.js';
import { continuesAt, ifRangeValidator, parseContentRange } from './resume.js';
import type { TokenBucket } from './token-bucket.js';
import { WriteBehind } from './write-behind.js';

/** Room is reserved ahead in steps this big while a body of unknown length streams in. */
const RESERVE_STEP = 8 * 1024 * 1024;

export interface ReceiverOptions {
  upstream: Upstream;
  clock: Clock;
  bucket: TokenBucket;
  limits: DownloadLimits;
  log: Logger;
  /** Room for the download of `url` to reach `bytes` (`onDisk` of them written); throws if none. */
  reserve(bytes: number, url: string, onDisk: number): Promise<void>;
  onUpstreamBytes(bytes: number): void;
}

/** What the fetcher keeps about one download across its attempts. */
export interface Progress {
  hash: Hash;
  /** Bytes reserved in the quota so far. */
  reserved: number;
  /** The strong validator a resume can send as If-Range. */
  ifRange: string | undefined;
  /** A resume went out without a validator (only when the expected sha256 will catch a splice). */
  blindResume: boolean;
  /** The download already started over once because a blind resume failed the hash. */
  restartedForHash: boolean;
  /** The size an index or manifest gives: a body without Content-Length is cut off past it. */
  expectedSize: number | undefined;
}

export const newProgress = (): Progress => ({
  hash: createHash('sha256'),
  reserved: 0,
  ifRange: undefined,
  blindResume: false,
  restartedForHash: false,
  expectedSize: undefined,
});

const header = (res: UpstreamResponse, name: string): string | undefined => res.headers[name];

export class BodyReceiver {
  constructor(private readonly opts: ReceiverOptions) {}

  /** Ask the upstream for the rest of `d`, or for all of it when it cannot be resumed safely. */
  async request(d: Download, p: Progress, expected: Expected | undefined): Promise<UpstreamResponse> {
    this.checkDeadline(d);
    const headers: Record<string, string> = {};
    if (d.written > 0) {
      if (p.ifRange !== undefined) {
        headers.range = `bytes=${d.written}-`;
        headers['if-range'] = p.ifRange;
      } else if (expected && !p.restartedForHash) {
        headers.range = `bytes=${d.written}-`;
        p.blindResume = true;
      } else {
        this.opts.log.info('no strong validator to resume with; downloading again from byte 0', {
          url: d.url,
          received: d.written,
        });
        await this.restart(d, p);
      }
    }
    return this.opts.upstream.request({ url: d.url, method: 'GET', headers, signal: d.abort.signal });
  }

  /** Consume one upstream response into the temp file; throws (retryable) when it ends early. */
  async receive(d: Download, res: UpstreamResponse, p: Progress, expected: Expected | undefined) {
    const skip = await this.accept(d, res, p, expected);
    await this.consume(d, res, p, skip);
  }

  /** Empty the temp file to start again from byte 0 (readers of the old bytes are cut off). */
  async restart(d: Download, p: Progress): Promise<void> {
    p.hash = createHash('sha256');
    p.ifRange = undefined;
    p.blindResume = false;
    try {
      await d.temp.handle.truncate(0);
    } catch (err) {
      throw new FatalError((diskError(err, `restarting ${d.url}`) as Error).message);
    }
    d.restarted();
  }

  /** Check the status and headers; returns how many leading bytes repeat what we have. */
  private async accept(
    d: Download,
    res: UpstreamResponse,
    p: Progress,
    expected: Expected | undefined,
  ): Promise<number> {
    const resuming = d.written > 0;
    if (res.status === 206 && resuming) {
      const value = header(res, 'content-range');
      if (continuesAt(parseContentRange(value), d.written, d.total)) return 0;
      res.discard();
      const at = d.written;
      await this.restart(d, p);
      throw new Error(
        `upstream answered a resume at byte ${at} with Content-Range "${value ?? ''}"; downloading again from byte 0`,
      );
    }
    if (res.status === 200) {
      if (resuming) {
        // Sent whole again: the same file (skip what we have) or another one (start over with it).
        const same =
          p.ifRange !== undefined && [header(res, 'etag'), header(res, 'last-modified')].includes(p.ifRange);
        if (same) return d.written;
        await this.restart(d, p);
      }
      await this.begin(d, res, p, expected);
      return 0;
    }
    res.discard();
    if (res.status >= 500 || res.status === 408 || res.status === 429)
      throw new Error(`upstream answered ${res.status}`);
    throw new UpstreamStatusError(res.status, d.url);
  }

  /** A 200 for the whole file: what it is, and room for it when its length is announced. */
  private async begin(d: Download, res: UpstreamResponse, p: Progress, expected: Expected | undefined) {
    const length = header(res, 'content-length');
    d.total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    d.etag = header(res, 'etag');
    d.lastModified = header(res, 'last-modified');
    d.contentType = header(res, 'content-type') ?? 'application/octet-stream';
    p.ifRange = ifRangeValidator({ etag: d.etag, lastModified: d.lastModified, date: header(res, 'date') });
    const want = expected?.size;
    p.expectedSize = want;
    if (want !== undefined && d.total !== undefined && d.total !== want) {
      res.discard();
      throw new FatalError(
        `${d.url} failed verification: upstream announced ${d.total} bytes, the index says ${want}; nothing was stored`,
      );
    }
    if (d.total !== undefined) {
      try {
        await this.opts.reserve(d.total, d.url, 0);
        p.reserved = d.total;
      } catch (err) {
        res.discard();
        throw new FatalError((err as Error).message);
      }
    }
    d.headersKnown();
  }

  private async consume(d: Download, res: UpstreamResponse, p: Progress, skip: number): Promise<void> {
    const rate = new RateFloor(this.opts.limits, this.opts.clock);
    // A response that came without our signal (a revalidation's) is dropped on abort too.
    const drop = (): void => res.discard();
    d.abort.signal.addEventListener('abort', drop, { once: true });
    const disk = new WriteBehind(d, {
      makeRoom: (bytes) => this.makeRoom(d, p, bytes),
      hash: () => p.hash,
      onStored: (bytes) => this.opts.onUpstreamBytes(bytes),
    });
    try {
      for await (const chunk of res.body) {
        let data = chunk;
        if (skip > 0) {
          const n = Math.min(skip, data.length);
          skip -= n;
          data = data.subarray(n);
        }
        const before = this.opts.clock.now();
        if (data.length > 0) await this.opts.bucket.take(data.length, d.abort.signal);
        this.checkDeadline(d);
        const slow = rate.arrived(chunk.length, this.opts.clock.now() - before);
        if (slow) throw new Error(slow);
        if (data.length > 0) {
          this.checkLength(d, p, disk.end + data.length);
          await disk.push(data);
        }
      }
    } finally {
      d.abort.signal.removeEventListener('abort', drop);
      // What arrived before an error is kept (a resume starts after it); a disk error wins.
      await disk.drain();
    }
    d.abort.signal.throwIfAborted();
    if (skip > 0 || (d.total !== undefined && d.written < d.total)) {
      throw new Error(`connection closed after ${d.written} of ${d.total} bytes`);
    }
  }

  private checkLength(d: Download, p: Progress, end: number): void {
    if (d.total !== undefined && end > d.total) {
      throw new FatalError(`upstream sent more than the announced ${d.total} bytes for ${d.url}`);
    }
    if (p.expectedSize !== undefined && end > p.expectedSize) {
      throw new FatalError(
        `${d.url} failed verification: upstream sent more than the expected ${p.expectedSize} bytes; nothing was stored`,
      );
    }
  }

  /** Grow the reservation before `needed` bytes are on disk (bodies without Content-Length). */
  private async makeRoom(d: Download, p: Progress, needed: number): Promise<void> {
    if (needed <= p.reserved) return;
    try {
      try {
        await this.opts.reserve(needed + RESERVE_STEP, d.url, d.written);
        p.reserved = needed + RESERVE_STEP;
      } catch {
        // Near the limit: exactly what is needed, or the reason there is no room.
        await this.opts.reserve(needed, d.url, d.written);
        p.reserved = needed;
      }
    } catch (err) {
      throw new FatalError(
        `stopped downloading ${d.url} after ${d.written} bytes (no Content-Length): ${(err as Error).message}`,
      );
    }
  }

  private checkDeadline(d: Download): void {
    const max = this.opts.limits.maxDurationMs;
    if (this.opts.clock.now() - d.startedAt <= max) return;
    const allowed = max >= 60_000 ? `${Math.round(max / 60_000)} min` : `${max} ms`;
    throw new FatalError(
      `stopped downloading ${d.url} after ${d.written} bytes: it took longer than ${allowed} (cache.maxDownloadMinutes)`,
    );
  }
}
