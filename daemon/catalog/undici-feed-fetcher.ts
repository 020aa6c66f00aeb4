/**
 * The real FeedFetcher: undici with conditional GET (If-None-Match / If-Modified-Since), redirects
 * followed, timeouts, and a body size cap enforced while streaming.
 */
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import { DepotError } from '../errors.js';
import type { FeedFetcher, FeedRequest, FeedResponse } from './ports.js';

export interface UndiciFeedFetcherOptions {
  connectTimeoutMs: number;
  /** Longest wait for headers, and longest silence between body chunks. */
  timeoutMs: number;
  userAgent: string;
}

/** Drop a body we will not read; undici reports the abort as an error event nobody needs. */
const discard = (body: Dispatcher.ResponseData['body']): void => {
  body.on('error', () => {});
  body.destroy();
};

export class UndiciFeedFetcher implements FeedFetcher {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly opts: UndiciFeedFetcherOptions) {
    this.dispatcher = new Agent({
      connect: { timeout: opts.connectTimeoutMs },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    }).compose(interceptors.redirect({ maxRedirections: 5 }));
  }

  async fetch(req: FeedRequest): Promise<FeedResponse> {
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent,
      'accept-encoding': 'identity',
    };
    if (req.etag) headers['if-none-match'] = req.etag;
    if (req.lastModified) headers['if-modified-since'] = req.lastModified;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: 'GET',
        headers,
        signal: req.signal,
        dispatcher: this.dispatcher,
      });
    } catch (cause) {
      throw new DepotError('UNAVAILABLE', `${req.url}: ${(cause as Error).message}`, { cause });
    }
    const header = (name: string): string | undefined => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    if (res.statusCode === 304) {
      await res.body.dump();
      return { status: 'not-modified' };
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new DepotError('UNAVAILABLE', `${req.url}: HTTP ${res.statusCode}`);
    }
    const declared = Number(header('content-length') ?? Number.NaN);
    if (declared > req.maxBytes) {
      discard(res.body);
      throw new DepotError(
        'UNAVAILABLE',
        `${req.url}: ${declared} bytes is over the ${req.maxBytes}-byte limit for a feed`,
      );
    }
    // With a declared length, bytes go into one buffer as they arrive: copying a 50 MB feed in
    // one go at the end would hold the event loop long enough for /healthz to feel it.
    const sized = Number.isSafeInteger(declared) ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        if (sized && size + (chunk as Buffer).length <= sized.length) (chunk as Buffer).copy(sized, size);
        size += (chunk as Buffer).length;
        if (size > req.maxBytes) {
          discard(res.body);
          throw new DepotError(
            'UNAVAILABLE',
            `${req.url}: body is over the ${req.maxBytes}-byte limit for a feed`,
          );
        }
        if (!sized) chunks.push(chunk as Buffer);
      }
    } catch (cause) {
      if (cause instanceof DepotError) throw cause;
      throw new DepotError('UNAVAILABLE', `${req.url}: download interrupted: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (sized && size !== sized.length)
      throw new DepotError('UNAVAILABLE', `${req.url}: body was ${size} bytes, not the ${declared} declared`);
    return {
      status: 'ok',
      body: sized ?? Buffer.concat(chunks, size),
      etag: header('etag'),
      lastModified: header('last-modified'),
    };
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }
}
