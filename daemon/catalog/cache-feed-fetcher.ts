/**
 * FeedFetcher through the local package cache: apt repository metadata (…/dists/…) that the cache
 * is allowed to fetch is read through it, so the appliance downloads an InRelease or Packages file
 * once for both the hosts and the catalog (the cache revalidates it and verifies by-hash files).
 * Everything else, and any URL outside `cache.upstreams`, goes to the direct fetcher. Unchanged
 * content is recognised downstream by its SHA-256, so no HTTP validators are needed here.
 */
import type { Resolved } from '../cache/cache-service.js';
import { DepotError } from '../errors.js';
import type { FeedFetcher, FeedRequest, FeedResponse } from './ports.js';

/** The part of the cache service this adapter uses. */
export interface FeedCache {
  resolve(url: string): Promise<Resolved>;
}

const tooBig = (url: string, max: number) =>
  new DepotError('UNAVAILABLE', `${url}: body is over the ${max}-byte limit for a feed`);

const readResolved = async (r: Resolved, req: FeedRequest): Promise<Uint8Array> => {
  if (r.kind === 'hit') {
    try {
      if (r.entry.size > req.maxBytes) throw tooBig(req.url, req.maxBytes);
      const buffer = Buffer.alloc(r.entry.size);
      await r.handle.read(buffer, 0, r.entry.size, 0);
      return buffer;
    } finally {
      await r.release();
    }
  }
  const reader = r.download.attach(0, undefined, req.signal);
  await r.release();
  if (!reader)
    throw new DepotError('UNAVAILABLE', `${req.url}: the cache download ended before it could be read`);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of reader.chunks) {
      size += chunk.length;
      if (size > req.maxBytes) throw tooBig(req.url, req.maxBytes);
      parts.push(chunk);
    }
  } finally {
    reader.close();
  }
  return Buffer.concat(parts);
};

export class CacheFeedFetcher implements FeedFetcher {
  constructor(
    private readonly cache: FeedCache,
    private readonly direct: FeedFetcher,
  ) {}

  async fetch(req: FeedRequest): Promise<FeedResponse> {
    if (!new URL(req.url).pathname.includes('/dists/')) return this.direct.fetch(req);
    let resolved: Resolved;
    try {
      resolved = await this.cache.resolve(req.url);
    } catch (err) {
      // Not one of the cache's upstreams: fetch it directly, as if there were no cache.
      if (err instanceof DepotError && err.code === 'FORBIDDEN') return this.direct.fetch(req);
      throw err;
    }
    return { status: 'ok', body: await readResolved(resolved, req) };
  }

  async close(): Promise<void> {
    await this.direct.close?.();
  }
}
