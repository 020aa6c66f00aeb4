/**
 * Which URLs the cache may fetch and how long their bytes stay good. The allow-list keeps the
 * proxy from being an open proxy: only URLs under a configured upstream prefix are fetched.
 * apt's index files (Release, InRelease, Packages...) change in place and are revalidated; pool
 * files and by-hash files never change under the same name and are cached for good.
 */
import { DepotError } from '../errors.js';
import { canonicalPath } from './canonical-path.js';

/** Scheme, authority, then the raw path up to the query or fragment. */
const RAW_PARTS = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\]*([^?#]*)/;

/**
 * Parse and normalise an upstream URL: only plain http(s) without credentials, with its path in
 * canonical form (see canonical-path.ts). The path is taken from the raw text, not from the URL
 * parser, which would already have resolved `..` above the root instead of refusing it.
 */
export const normaliseUrl = (raw: string): URL => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DepotError('BAD_INPUT', `not a URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DepotError('BAD_INPUT', `only http and https URLs can be cached, not ${url.protocol}`);
  if (url.username || url.password)
    throw new DepotError('BAD_INPUT', 'URLs with credentials are not cached (they would be shared)');
  url.hash = '';
  const path = RAW_PARTS.exec(raw)?.[1];
  if (path === undefined) throw new DepotError('BAD_INPUT', `not an absolute URL: ${raw.slice(0, 200)}`);
  url.pathname = canonicalPath(path);
  return url;
};

const MUTABLE_NAMES =
  /\/(InRelease|Release|Release\.gpg|(Packages|Sources|Contents-[^/]+|Translation-[^/]+|Components-[^/]+|icons-[^/]+|Commands-[^/]+)(\.(gz|xz|bz2|lzma|zst))?|Index|repomd\.xml|repomd\.xml\.asc)$/;

export const isMutable = (url: URL): boolean => {
  const path = url.pathname;
  if (path.includes('/by-hash/')) return false;
  return path.includes('/dists/') || MUTABLE_NAMES.test(path);
};

/** by-hash/SHA256/<hex> names carry their own digest. */
export const hashFromUrl = (url: URL): string | undefined => {
  const m = /\/by-hash\/SHA256\/([0-9a-f]{64})$/.exec(url.pathname);
  return m?.[1];
};

export class UpstreamAllowList {
  prefixes: string[] = [];

  constructor(prefixes: string[]) {
    this.replace(prefixes);
  }

  /** The settings page changed cache.upstreams: from the next request on. */
  replace(prefixes: string[]): void {
    // A prefix ends at a path-segment boundary: ".../debian" must not admit ".../debian-evil".
    this.prefixes = prefixes.map((p) => {
      const u = normaliseUrl(p);
      return u.href.endsWith('/') ? u.href : `${u.href}/`;
    });
  }

  allows(url: URL): boolean {
    const href = url.href;
    return this.prefixes.some((p) => href.startsWith(p));
  }

  /** Throws FORBIDDEN with the reason when `raw` may not be fetched. */
  check(raw: string): URL {
    const url = normaliseUrl(raw);
    if (!this.allows(url)) {
      throw new DepotError(
        'FORBIDDEN',
        this.prefixes.length
          ? `${url.origin} is not an allowed upstream of this cache (allowed: ${this.prefixes.join(', ')}); add it to cache.upstreams`
          : 'no upstreams are allowed yet: add the mirror URL to cache.upstreams',
      );
    }
    return url;
  }
}
