/**
 * The real FeedFetcher: undici with conditional GET (If-None-Match / If-Modified-Since), timeouts,
 * a body size cap enforced while streaming, and redirects followed only on the feed's own host.
 */
import { Agent, type Dispatcher } from 'undici';
import {
  discardBody,
  type Hop,
  redirectRefused,
  requestFollowingRedirects,
} from '../cache/undici-redirects.js';
import { DepotError } from '../errors.js';
import type { FeedFetcher, FeedRequest, FeedResponse } from './ports.js';

export interface UndiciFeedFetcherOptions {
  connectTimeoutMs: number;
  /** Longest wait for headers, and longest silence between body chunks. */
  timeoutMs: number;
  userAgent: string;
}

/**
 * Why a feed may not follow `hop`, or undefined. Feeds have no list of other hosts they may use, so
 * a redirect stays on the host of the URL configured for the feed (which every request of a feed is
 * made from), and never goes from https back to http. Staying on the configured host is also why
 * no address check is needed here (the cache's AddressGuard exempts that host anyway).
 */
export const feedHopRefusal = ({ start, to }: Hop): string | undefined => {
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return `${to.protocol} URLs are not fetched`;
  if (to.username || to.password) return 'URLs with credentials are not followed';
  if (start.protocol === 'https:' && to.protocol === 'http:') return 'it downgrades https to http';
  if (to.hostname !== start.hostname)
    return `a feed only follows redirects on its own host (${start.hostname})`;
  return undefined;
};

export class UndiciFeedFetcher implements FeedFetcher {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly opts: UndiciFeedFetcherOptions) {
    // No redirect interceptor: redirects are followed by hand (checkHop).
    this.dispatcher = new Agent({
      connect: { timeout: opts.connectTimeoutMs },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  private readonly checkHop = async (hop: Hop): Promise<URL> => {
    const why = feedHopRefusal(hop);
    if (why) throw redirectRefused(hop, why);
    return hop.to;
  };

  async fetch(req: FeedRequest): Promise<FeedResponse> {
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent,
      'accept-encoding': 'identity',
    };
    if (req.etag) headers['if-none-match'] = req.etag;
    if (req.lastModified) headers['if-modified-since'] = req.lastModified;
    let res: Dispatcher.ResponseData<unknown>;
    try {
      res = await requestFollowingRedirects(
        req.url,
        { method: 'GET', headers, signal: req.signal, dispatcher: this.dispatcher },
        this.checkHop,
      );
    } catch (cause) {
      // The feed's sync reports UNAVAILABLE; the message says what was refused and why.
      if (cause instanceof DepotError) throw new DepotError('UNAVAILABLE', cause.message, { cause });
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
      discardBody(res.body);
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
          discardBody(res.body);
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
