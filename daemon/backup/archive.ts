/**
 * The backup's inner format: the data directory's files as a sequence of entries, gzip'd, then
 * sealed (sealed-stream.ts). Each entry is a name (a relative path of plain segments), a mode and
 * a size, then the bytes; a zero-length name ends it. Only regular files are taken; on restore a
 * name that is absolute, climbs out (`..`), holds odd characters or repeats is refused, so an
 * archive can never write outside the staging directory it is unpacked into.
 *
 *   entry: name length (2) · name (UTF-8) · mode (4) · size (8) · bytes
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DepotError } from '../errors.js';

const MAX_NAME = 1024;

/** Every regular file under `root` (relative, `/`-separated), skipping what `skip` names. */
export const listFiles = async (root: string, skip: (rel: string) => boolean): Promise<string[]> => {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (skip(child)) continue;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  await walk('');
  return out.sort();
};

const entryHeader = (name: string, mode: number, size: number): Buffer => {
  const n = Buffer.from(name, 'utf8');
  const h = Buffer.alloc(2 + n.length + 4 + 8);
  h.writeUInt16BE(n.length, 0);
  n.copy(h, 2);
  h.writeUInt32BE(mode & 0o777, 2 + n.length);
  h.writeBigUInt64BE(BigInt(size), 6 + n.length);
  return h;
};

/** One file's entry, as bytes (none if it was removed since it was listed); a file that changes size while read is an error. */
async function* entry(root: string, rel: string): AsyncGenerator<Buffer> {
  const path = join(root, rel);
  const st = await lstat(path).catch(() => undefined);
  // Removed since it was listed (an atomic rewrite's old name): nothing to keep.
  if (!st?.isFile()) return;
  yield entryHeader(rel, st.mode, st.size);
  let sent = 0;
  for await (const chunk of createReadStream(path, { end: Math.max(0, st.size - 1) })) {
    sent += (chunk as Buffer).length;
    if (st.size > 0) yield chunk as Buffer;
  }
  if (sent !== st.size && st.size > 0)
    throw new DepotError('CONFLICT', `${rel} changed while it was backed up; try again`);
}

/**
 * The entries of `files` under `root`, as bytes, then of the files `again` lists that were not
 * listed before: a file written while the others were read (a report batch that the
 * remediation.json just read names, a deployment's new journal) is in the archive too.
 */
export async function* packEntries(
  root: string,
  files: string[],
  again?: () => Promise<string[]>,
): AsyncGenerator<Buffer> {
  for (const rel of files) yield* entry(root, rel);
  if (again) {
    const listed = new Set(files);
    for (const rel of await again()) if (!listed.has(rel)) yield* entry(root, rel);
  }
  yield Buffer.alloc(2);
}

/** A name safe to create under a staging directory, or the reason it is not. */
export const badName = (name: string): string | undefined => {
  if (!name || name.length > MAX_NAME) return 'empty or too long';
  if (name.startsWith('/') || name.includes('\\') || name.includes('\0')) return 'not a relative path';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(name)) return 'control characters';
  if (name.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'an empty, . or .. segment';
  return undefined;
};

/** Reads exact byte counts from an async byte stream. */
class ByteReader {
  private buffered: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  async take(n: number): Promise<Buffer> {
    while (this.buffered.length < n && !this.done) {
      const r = await this.source.next();
      if (r.done) this.done = true;
      else this.buffered = Buffer.concat([this.buffered, r.value]);
    }
    if (this.buffered.length < n)
      throw new DepotError('BAD_INPUT', 'not a readable backup: its file list is cut short');
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Up to `n` bytes as they come (at least one). */
  async some(n: number): Promise<Buffer> {
    if (this.buffered.length === 0)
      await this.take(1).then((b) => (this.buffered = Buffer.concat([b, this.buffered])));
    const out = this.buffered.subarray(0, Math.min(n, this.buffered.length));
    this.buffered = this.buffered.subarray(out.length);
    return out;
  }

  async atEnd(): Promise<boolean> {
    if (this.buffered.length) return false;
    const r = await this.source.next();
    if (r.done) return true;
    this.buffered = r.value;
    return this.buffered.length === 0 ? this.atEnd() : false;
  }
}

/** Unpack entries into `dir` (which must be new and empty); returns the names written. */
export const unpackEntries = async (
  source: AsyncIterable<Buffer>,
  dir: string,
  maxBytes: number,
): Promise<string[]> => {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  const seen = new Set<string>();
  let total = 0;
  for (;;) {
    const nameLen = (await reader.take(2)).readUInt16BE(0);
    if (nameLen === 0) break;
    const name = (await reader.take(nameLen)).toString('utf8');
    const why = badName(name);
    if (why)
      throw new DepotError(
        'BAD_INPUT',
        `not a restorable backup: the name ${JSON.stringify(name.slice(0, 80))} is refused (${why})`,
      );
    if (seen.has(name)) throw new DepotError('BAD_INPUT', `not a restorable backup: ${name} appears twice`);
    seen.add(name);
    const meta = await reader.take(12);
    const mode = (meta.readUInt32BE(0) & 0o640) | 0o600;
    const size = Number(meta.readBigUInt64BE(4));
    total += size;
    if (!Number.isSafeInteger(size) || total > maxBytes) {
      throw new DepotError('BAD_INPUT', `not a restorable backup: more than ${maxBytes} bytes of files`);
    }
    const path = join(dir, ...name.split('/'));
    if (!path.startsWith(dir + sep))
      throw new DepotError('BAD_INPUT', `not a restorable backup: ${name} leaves the directory`);
    await mkdir(dirname(path), { recursive: true, mode: 0o750 });
    const out = createWriteStream(path, { flags: 'wx', mode });
    await pipeline(async function* () {
      for (let left = size; left > 0; ) {
        const piece = await reader.some(left);
        left -= piece.length;
        yield piece;
      }
    }, out);
  }
  if (!(await reader.atEnd()))
    throw new DepotError('BAD_INPUT', 'not a restorable backup: bytes after its last file');
  return [...seen];
};
