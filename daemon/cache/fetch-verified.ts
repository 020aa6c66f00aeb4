/**
 * Bring a URL into the cache and wait until it is there, verified against a digest when one is
 * known (a catalog's or signed manifest's): a cached copy with other bytes is evicted and fetched
 * again, and a download with other bytes is discarded by the fetcher. Prefetch and firmware
 * staging use this.
 */
import { DepotError } from '../errors.js';
import type { ExpectedHashes } from './apt-index.js';
import type { CacheEntry } from './cache-index.js';
import type { UpstreamAllowList } from './url-policy.js';

/** The part of the cache service this needs (named, so the prefetch queue does not import the service). */
export interface VerifiableCache {
  readonly opts: { readonly allow: UpstreamAllowList };
  readonly expected: Pick<ExpectedHashes, 'set'>;
  resolve(
    url: string,
  ): Promise<
    | { kind: 'hit'; entry: CacheEntry; release(): Promise<void> }
    | { kind: 'download'; download: { done: Promise<CacheEntry> }; release(): Promise<void> }
  >;
  evict(url: string): Promise<void>;
}

export const fetchVerified = async (
  cache: VerifiableCache,
  raw: string,
  sha256?: string,
  size?: number,
): Promise<CacheEntry> => {
  const url = cache.opts.allow.check(raw).href;
  if (sha256) cache.expected.set(url, { sha256, ...(size === undefined ? {} : { size }) });
  let r = await cache.resolve(url);
  if (r.kind === 'hit' && sha256 && r.entry.sha256 !== sha256) {
    await r.release();
    await cache.evict(url);
    r = await cache.resolve(url);
  }
  let entry: CacheEntry;
  try {
    // Holding the download says someone still wants it when every client has left.
    entry = r.kind === 'download' ? await r.download.done : r.entry;
  } finally {
    await r.release();
  }
  if (sha256 && entry.sha256 !== sha256)
    throw new DepotError('UNAVAILABLE', `${url}: the cached bytes are not the ones expected; try again`);
  return entry;
};
