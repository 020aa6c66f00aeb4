/**
 * Decompression with an output cap, for every compressed input that crosses a boundary: cached apt
 * indexes, apt feed indexes, OSV zip dumps, offline bundles. The output is counted while it streams
 * and the decompressor is stopped as soon as it passes the cap, so a few KB that would expand to
 * gigabytes (a decompression bomb) cost at most the cap plus one chunk. Sizes an input declares
 * about itself (gzip's trailer, zip headers) are never trusted.
 *   - gzip: node's zlib stream, which inflates on the libuv thread pool, 16 KiB at a time;
 *   - xz: the `xz` tool (xz-utils is on every Debian system; Node has no xz decoder), read from its
 *     stdout, whose pipe stops it while nobody reads;
 *   - zip: fflate's streaming Unzip, fed 4 KiB at a time (deflate expands at most ~1,032x, so one
 *     step yields at most ~4 MiB). It is synchronous: run it where blocking is harmless (the feed
 *     worker thread).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import { Unzip, type UnzipFile, UnzipInflate } from 'fflate';
import { DepotError } from './errors.js';

export type Compression = 'gzip' | 'xz';

export interface OutputCap {
  /** Most bytes the output may have. */
  maxBytes: number;
  /** Names the input in errors (a file name or URL). */
  what: string;
  /** The setting behind the cap, named in the error so a technician knows what to raise. */
  setting?: string | undefined;
}

const describeBytes = (n: number): string =>
  n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;

/** The output passed its cap; `produced` is how much the decompressor had made when it was stopped. */
export class OutputCapError extends DepotError {
  constructor(
    readonly what: string,
    readonly maxBytes: number,
    readonly produced: number,
    setting?: string,
  ) {
    super(
      'BAD_INPUT',
      `${what}: expands to more than ${describeBytes(maxBytes)}${setting ? ` (${setting})` : ''}; ` +
        'refused as a possible decompression bomb',
    );
    this.name = 'OutputCapError';
  }
}

/** The compression a file name says it has: undefined for none, 'unsupported' for bz2, lzma, zst. */
export const compressionOf = (name: string): Compression | 'unsupported' | undefined => {
  if (name.endsWith('.gz')) return 'gzip';
  if (name.endsWith('.xz')) return 'xz';
  if (/\.(bz2|lzma|zst)$/.test(name)) return 'unsupported';
  return undefined;
};

async function* gunzipChunks(data: Uint8Array, cap: OutputCap): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  gunzip.end(data);
  try {
    yield* gunzip;
  } catch (cause) {
    throw new DepotError('BAD_INPUT', `${cap.what}: cannot gunzip: ${(cause as Error).message}`, { cause });
  } finally {
    gunzip.destroy();
  }
}

async function* unxzChunks(data: Uint8Array, cap: OutputCap): AsyncGenerator<Buffer> {
  const child = spawn('xz', ['--decompress', '--stdout'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = once(child, 'close');
  exited.catch(() => {}); // awaited below; a consumer that stops early must not leave it unhandled
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdin.on('error', () => {
    // xz exits early on corrupt input (or is killed at the cap); the exit status says why.
  });
  child.stdin.end(data);
  try {
    yield* child.stdout;
    let code: unknown;
    try {
      [code] = await exited;
    } catch (cause) {
      throw new DepotError(
        'UNAVAILABLE',
        `cannot run xz (apt-get install xz-utils): ${(cause as Error).message}`,
        { cause },
      );
    }
    if (code !== 0)
      throw new DepotError('BAD_INPUT', `${cap.what}: cannot unxz: ${stderr.trim() || `exit ${code}`}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Decompressed chunks of `data`; stops the decompressor and throws OutputCapError past the cap. */
export async function* decompressChunks(
  data: Uint8Array,
  format: Compression,
  cap: OutputCap,
): AsyncGenerator<Buffer> {
  let produced = 0;
  for await (const chunk of format === 'gzip' ? gunzipChunks(data, cap) : unxzChunks(data, cap)) {
    produced += chunk.length;
    if (produced > cap.maxBytes) throw new OutputCapError(cap.what, cap.maxBytes, produced, cap.setting);
    yield chunk;
  }
}

/** The whole decompressed output (at most `cap.maxBytes`). */
export const decompress = async (data: Uint8Array, format: Compression, cap: OutputCap): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of decompressChunks(data, format, cap)) chunks.push(chunk);
  return Buffer.concat(chunks);
};

export interface ZipCaps {
  /** Names the archive in errors. */
  what: string;
  /** Most bytes one entry may inflate to. */
  maxEntryBytes: number;
  /** The setting behind the entry cap, for the error. */
  entrySetting?: string | undefined;
  /** Most bytes all wanted entries together may inflate to. */
  maxTotalBytes: number;
  /** The setting behind the total cap, for the error. */
  setting?: string | undefined;
}

const ZIP_STEP = 4096;

/**
 * Inflate the entries of `zip` whose names `want` accepts, handing each to `visit` once complete
 * (so a caller can parse and drop one entry at a time). Returns how many entries were visited.
 * Throws OutputCapError when an entry or the total passes its cap, DepotError for a broken zip.
 */
export const forEachZipEntry = (
  zip: Uint8Array,
  caps: ZipCaps,
  want: (name: string) => boolean,
  visit: (name: string, data: Uint8Array) => void,
): number => {
  let total = 0;
  let visited = 0;
  let failure: Error | undefined;
  const open = new Set<string>();
  const broken = (message: string, cause?: unknown) =>
    new DepotError('BAD_INPUT', `${caps.what}: ${message}`, cause === undefined ? undefined : { cause });
  const unzip = new Unzip((file: UnzipFile) => {
    if (failure || !want(file.name)) return;
    const parts: Uint8Array[] = [];
    let size = 0;
    open.add(file.name);
    file.ondata = (err, chunk, final) => {
      if (failure) return;
      if (err) {
        failure = broken(`${file.name}: cannot inflate: ${err.message}`, err);
        return;
      }
      size += chunk.length;
      total += chunk.length;
      if (size > caps.maxEntryBytes) {
        failure = new OutputCapError(
          `${caps.what} ${file.name}`,
          caps.maxEntryBytes,
          size,
          caps.entrySetting,
        );
        return;
      }
      if (total > caps.maxTotalBytes) {
        failure = new OutputCapError(caps.what, caps.maxTotalBytes, total, caps.setting);
        return;
      }
      parts.push(chunk);
      if (!final) return;
      open.delete(file.name);
      visited++;
      try {
        visit(file.name, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      } catch (cause) {
        // The visitor's own verdict (a record that fails validation), kept as it is.
        failure = cause instanceof Error ? cause : new Error(String(cause));
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  if (zip[0] !== 0x50 || zip[1] !== 0x4b) throw broken('not a readable zip (no PK signature at the start)');
  try {
    for (let at = 0; at < zip.length && !failure; at += ZIP_STEP) {
      const end = Math.min(zip.length, at + ZIP_STEP);
      unzip.push(zip.subarray(at, end), end === zip.length);
    }
  } catch (cause) {
    failure ??= broken(`not a readable zip: ${(cause as Error).message}`, cause);
  }
  if (failure) throw failure;
  if (open.size) throw broken(`${[...open][0]} is cut short (truncated zip)`);
  return visited;
};
