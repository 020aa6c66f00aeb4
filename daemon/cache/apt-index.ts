/**
 * Expected hashes from apt's own indexes: a Release/InRelease file lists the SHA256 of every index
 * file under its suite, a Packages file the SHA256 of every .deb. Once those are cached, every later
 * download they describe is verified before it becomes a blob. (apt checks the Release signature
 * itself; this protects the cache from corrupt or swapped bytes in transit.)
 */
import { compressionOf, decompressChunks, OutputCapError } from '../decompress.js';
import { LineSplitter } from './index-lines.js';

export interface Expected {
  sha256: string;
  /** Unknown for by-hash names, which only carry the digest. */
  size?: number;
}

/** The SHA256 lines of a Release/InRelease file, read a line at a time. */
class ReleaseReader {
  /** Path relative to the suite directory -> its hash. */
  readonly entries = new Map<string, Expected>();
  private inSha = false;

  line(line: string): void {
    if (/^\S/.test(line)) {
      this.inSha = line.startsWith('SHA256:');
      return;
    }
    if (!this.inSha) return;
    const m = /^\s+([0-9a-f]{64})\s+(\d+)\s+(\S+)\s*$/.exec(line);
    if (m) this.entries.set(m[3]!, { sha256: m[1]!, size: Number(m[2]) });
  }

  finish(): Map<string, Expected> {
    return this.entries;
  }
}

/** Filename -> hash of each stanza of a Packages file, read a line at a time. */
class PackagesReader {
  /** Filename (relative to the archive root) -> its hash. */
  readonly entries = new Map<string, Expected>();
  private file: string | undefined;
  private sha: string | undefined;
  private size: string | undefined;

  line(line: string): void {
    if (/^\s*$/.test(line)) {
      this.finish();
      return;
    }
    this.file ??= /^Filename:\s*(\S+)/.exec(line)?.[1];
    this.sha ??= /^SHA256:\s*([0-9a-f]{64})/.exec(line)?.[1];
    this.size ??= /^Size:\s*(\d+)/.exec(line)?.[1];
  }

  /** Ends the stanza being read; returns every entry so far. */
  finish(): Map<string, Expected> {
    if (this.file && this.sha && this.size)
      this.entries.set(this.file, { sha256: this.sha, size: Number(this.size) });
    this.file = this.sha = this.size = undefined;
    return this.entries;
  }
}

const readText = (reader: ReleaseReader | PackagesReader, text: string): Map<string, Expected> => {
  for (const line of text.split('\n')) reader.line(line);
  return reader.finish();
};

/** SHA256 lines of a Release/InRelease file: path relative to the suite directory. */
export const parseRelease = (text: string): Map<string, Expected> => readText(new ReleaseReader(), text);

/** Filename -> hash of each stanza of a Packages file (Filename is relative to the archive root). */
export const parsePackages = (text: string): Map<string, Expected> => readText(new PackagesReader(), text);

/** An uncompressed index is handed to the line reader this much at a time. */
const PLAIN_STEP = 1024 * 1024;

async function* plainChunks(data: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += PLAIN_STEP) yield data.subarray(at, at + PLAIN_STEP);
}

/**
 * The lines of a possibly compressed index file, a batch at a time as it inflates, or undefined
 * for a compression we do not read. The inflated text is never held whole: a cached Packages.gz
 * can be a decompression bomb. Past `maxBytes` of text this throws an OutputCapError naming the
 * file and the cap.
 */
export const indexLines = (url: URL, data: Buffer, maxBytes: number): AsyncIterable<string[]> | undefined => {
  const format = compressionOf(url.pathname);
  if (format === 'unsupported') return undefined;
  const cap = { maxBytes, what: url.href, setting: 'cache.maxIndexMB' };
  if (format === undefined && data.length > maxBytes)
    throw new OutputCapError(url.href, maxBytes, data.length, cap.setting);
  const chunks = format === undefined ? plainChunks(data) : decompressChunks(data, format, cap);
  return (async function* () {
    const splitter = new LineSplitter();
    for await (const chunk of chunks) yield splitter.push(chunk);
    yield splitter.end();
  })();
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
    const lines = indexLines(url, data, this.maxIndexBytes);
    if (lines === undefined) return 0;
    const reader = kind === 'release' ? new ReleaseReader() : new PackagesReader();
    for await (const batch of lines) for (const line of batch) reader.line(line);
    const entries = reader.finish();
    if (kind === 'release') {
      const suiteDir = new URL('.', url);
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
    for (const [file, e] of entries) this.set(new URL(file, root).href, e);
    return entries.size;
  }
}
