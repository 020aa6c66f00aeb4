/**
 * Expected hashes from apt's own indexes: a Release/InRelease file lists the SHA256 of every index
 * file under its suite, a Packages file the SHA256 of every .deb. Once those are cached, every later
 * download they describe is verified before it becomes a blob. (apt checks the Release signature
 * itself; this protects the cache from corrupt or swapped bytes in transit.)
 */
import { compressionOf, decompress, OutputCapError } from '../decompress.js';

export interface Expected {
  sha256: string;
  /** Unknown for by-hash names, which only carry the digest. */
  size?: number;
}

/** SHA256 lines of a Release/InRelease file: path relative to the suite directory. */
export const parseRelease = (text: string): Map<string, Expected> => {
  const out = new Map<string, Expected>();
  let inSha = false;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      inSha = line.startsWith('SHA256:');
      continue;
    }
    if (!inSha) continue;
    const m = /^\s+([0-9a-f]{64})\s+(\d+)\s+(\S+)\s*$/.exec(line);
    if (m) out.set(m[3]!, { sha256: m[1]!, size: Number(m[2]) });
  }
  return out;
};

/** Filename -> hash of each stanza of a Packages file (Filename is relative to the archive root). */
export const parsePackages = (text: string): Map<string, Expected> => {
  const out = new Map<string, Expected>();
  for (const stanza of text.split(/\n\s*\n/)) {
    const file = /^Filename:\s*(\S+)/m.exec(stanza)?.[1];
    const sha = /^SHA256:\s*([0-9a-f]{64})/m.exec(stanza)?.[1];
    const size = /^Size:\s*(\d+)/m.exec(stanza)?.[1];
    if (file && sha && size) out.set(file, { sha256: sha, size: Number(size) });
  }
  return out;
};

/**
 * Text of a possibly compressed index file, or undefined for a compression we do not read. The
 * decompressed size is capped (a cached Packages.gz can be a decompression bomb): past `maxBytes`
 * this throws an OutputCapError naming the file and the cap.
 */
export const indexText = async (url: URL, data: Buffer, maxBytes: number): Promise<string | undefined> => {
  const format = compressionOf(url.pathname);
  if (format === 'unsupported') return undefined;
  const cap = { maxBytes, what: url.href, setting: 'cache.maxIndexMB' };
  if (format === undefined) {
    if (data.length > maxBytes) throw new OutputCapError(url.href, maxBytes, data.length, cap.setting);
    return data.toString('utf8');
  }
  return (await decompress(data, format, cap)).toString('utf8');
};

export type AptIndexKind = 'release' | 'packages';

export const aptIndexKind = (url: URL): AptIndexKind | undefined => {
  if (url.pathname.includes('/by-hash/')) return undefined;
  if (/\/dists\/.+\/(InRelease|Release)$/.test(url.pathname)) return 'release';
  if (/\/dists\/.+\/Packages(\.(gz|xz))?$/.test(url.pathname)) return 'packages';
  return undefined;
};

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * How many names ExpectedHashes keeps: two architectures of a Debian release's main (~65,000
 * packages each) with its security and updates suites.
 */
export const MAX_EXPECTED_HASHES = 150_000;

/**
 * URL -> expected hash, learned from the indexes that pass through the cache. Bounded: an upstream
 * (or a LAN host asking for every suite of an allowed mirror) cannot grow it past `maxEntries`;
 * past that the names learnt longest ago are forgotten first, and a file whose name was forgotten
 * is checked by size only, as before its index was cached (apt checks the hash on the host). The
 * digests are kept as bytes in one buffer, not as 64-character strings in an object per name:
 * 174 bytes per name instead of 254 (520,000 Debian pool names: 86 MiB instead of 126 MiB
 * unbounded; at most ~25 MiB now), most of it the name itself.
 */
export class ExpectedHashes {
  /**
   * @param maxIndexBytes largest decompressed index read for hashes (`cache.maxIndexMB`).
   * @param maxEntries most names kept (by-hash aliases count as names).
   */
  constructor(
    private readonly maxIndexBytes: number,
    private readonly maxEntries = MAX_EXPECTED_HASHES,
  ) {}

  /** URL -> its slot in `digests` and `sizes`, oldest first (Map order). */
  private readonly slots = new Map<string, number>();
  private digests = new Uint8Array(32 * 1024);
  /** Size per slot; -1 when unknown (by-hash names). */
  private sizes = new Float64Array(1024);
  /** by-hash URL -> the index file it stands for (apt fetches Packages.xz by hash). */
  private readonly aliases = new Map<string, string>();

  /** Whether `url` is an apt index this class can learn hashes from. */
  isIndex(url: URL): boolean {
    return aptIndexKind(this.named(url)) !== undefined;
  }

  private named(url: URL): URL {
    const alias = this.aliases.get(url.href);
    return alias ? new URL(alias) : url;
  }

  get(url: string): Expected | undefined {
    const slot = this.slots.get(url);
    if (slot === undefined) return undefined;
    const sha256 = Buffer.from(this.digests.buffer, slot * 32, 32).toString('hex');
    const size = this.sizes[slot]!;
    return size < 0 ? { sha256 } : { sha256, size };
  }

  /** What the indexes now say `url` holds, when that is not `sha256`: the name was published again. */
  contradicts(url: string, sha256: string): Expected | undefined {
    const want = this.get(url);
    return want && want.sha256 !== sha256 ? want : undefined;
  }

  set(url: string, e: Expected): void {
    if (!SHA256_HEX.test(e.sha256)) return; // never an expectation no file can meet
    let slot = this.slots.get(url);
    if (slot !== undefined)
      this.slots.delete(url); // learnt again: now the newest
    else slot = this.freeSlot();
    this.slots.set(url, slot);
    this.digests.set(Buffer.from(e.sha256, 'hex').subarray(0, 32), slot * 32);
    this.sizes[slot] = e.size ?? -1;
  }

  private freeSlot(): number {
    if (this.slots.size >= this.maxEntries) {
      const [oldest, slot] = this.slots.entries().next().value as [string, number];
      this.slots.delete(oldest);
      this.aliases.delete(oldest);
      return slot;
    }
    // Below the bound no name was ever forgotten: slots 0 .. size - 1 are all taken.
    const slot = this.slots.size;
    if (slot >= this.sizes.length) {
      const sizes = new Float64Array(Math.min(this.maxEntries, this.sizes.length * 2));
      sizes.set(this.sizes);
      this.sizes = sizes;
      const digests = new Uint8Array(sizes.length * 32);
      digests.set(this.digests);
      this.digests = digests;
    }
    return slot;
  }

  get size(): number {
    return this.slots.size;
  }

  /** Learn from a cached index file at `url` (already verified or at least complete). */
  async learn(fetched: URL, data: Buffer): Promise<number> {
    const url = this.named(fetched);
    const kind = aptIndexKind(url);
    if (!kind) return 0;
    const text = await indexText(url, data, this.maxIndexBytes);
    if (text === undefined) return 0;
    if (kind === 'release') {
      const suiteDir = new URL('.', url);
      const entries = parseRelease(text);
      for (const [path, e] of entries) {
        const target = new URL(path, suiteDir);
        this.set(target.href, e);
        // apt fetches by-hash names when the Release says so; they carry the same bytes.
        const byHash = new URL(`${path.replace(/[^/]+$/, '')}by-hash/SHA256/${e.sha256}`, suiteDir);
        this.set(byHash.href, e);
        this.aliases.set(byHash.href, target.href);
      }
      return entries.size;
    }
    const root = url.href.slice(0, url.href.indexOf('/dists/') + 1);
    const entries = parsePackages(text);
    for (const [file, e] of entries) this.set(new URL(file, root).href, e);
    return entries.size;
  }
}
