/**
 * One JSON file per record in a directory (per-host inventories, per-asset detail), so that
 * changing one host rewrites one small file, not the world. Ids are validated before they touch
 * a path: a hostile id cannot escape the directory.
 *
 * A directory of large, repetitive records (host inventories: 130 KB of JSON for 1,500 packages)
 * can be kept gzip-compressed (`<id>.json.gz`, about a fifth of the size, so an SD card writes a
 * fifth as much per collection). Such a directory still reads plain `<id>.json` files of older
 * versions, and `migrate()` rewrites them in the compressed form, each one atomically.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzip } from 'node:zlib';
import { DepotError } from '../errors.js';
import { fsyncDir, sweepTempFiles, TEMP_MARKER, writeFileAtomic } from './atomic-file.js';
import { readRegularFile } from './regular-file.js';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
const PLAIN = '.json';
const GZIP = '.json.gz';
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/**
 * Most a compressed record may expand to. The largest real one (a host with 20,000 packages) is a
 * few MB; a few KB that expand to gigabytes (damage, or a file planted in the data directory)
 * must cost this much memory at most, not the appliance.
 */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/**
 * A compressed record up to this size is expanded in one synchronous call (a host of 1,500
 * packages: 25 KB to 130 KB in well under a millisecond), without the thread pool's round trips,
 * which cost more than the work at 5,000 such reads per assessment; a larger one in the pool.
 */
const INLINE_GUNZIP_BYTES = 64 * 1024;

export const assertRecordId = (id: string): string => {
  if (!ID_RE.test(id) || id.includes('..') || id.includes(TEMP_MARKER)) {
    throw new DepotError(
      'BAD_INPUT',
      `invalid record id ${JSON.stringify(id.slice(0, 80))}: use letters, digits, . _ : @ -`,
    );
  }
  return id;
};

/** A record's bytes as a compressed directory stores them (the bench seeds a data directory so). */
export const gzipRecord = (record: unknown): Promise<Buffer> => gzipAsync(`${JSON.stringify(record)}\n`);

/** Never through a symlink, nor a directory: either is reported corrupt (regular-file.ts). */
const readOrUndefined = readRegularFile;

export interface RecordDirOptions {
  /** Store records gzip-compressed (`<id>.json.gz`); plain files of older versions still read. */
  compressed?: boolean;
}

export class RecordDir<T> {
  /** Writes and migrations of one id, one after another (a migration never overwrites a newer put). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    private readonly parse: (value: unknown, id: string) => T,
    private readonly mode = 0o600,
    private readonly opts: RecordDirOptions = {},
  ) {}

  async start(): Promise<void> {
    await sweepTempFiles(this.dir);
  }

  /** The file of record `id` in the current form (for readers and writers that stream it). */
  file(id: string): string {
    return join(this.dir, `${assertRecordId(id)}${this.opts.compressed ? GZIP : PLAIN}`);
  }

  private plainFile(id: string): string {
    return join(this.dir, `${assertRecordId(id)}${PLAIN}`);
  }

  private serial<R>(id: string, work: () => Promise<R>): Promise<R> {
    const next = (this.queues.get(id) ?? Promise.resolve()).then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return next;
  }

  async put(id: string, record: T): Promise<void> {
    const file = this.file(id);
    return this.serial(id, async () => {
      if (!this.opts.compressed) {
        await writeFileAtomic(file, `${JSON.stringify(record)}\n`, { mode: this.mode });
        return;
      }
      await writeFileAtomic(file, await gzipRecord(record), { mode: this.mode });
      // The new form is durable first: a crash here leaves both, and the compressed one wins.
      await rm(this.plainFile(id), { force: true });
    });
  }

  async get(id: string): Promise<T | undefined> {
    const file = this.file(id);
    let found = await this.readCurrentOrPlain(id);
    // A migration may have replaced the plain file between the two reads: the new one is there.
    if (found === undefined && this.opts.compressed) found = await this.read(file);
    if (found === undefined) return undefined;
    try {
      return this.parse(JSON.parse(found.text), id);
    } catch (cause) {
      throw new DepotError('STORE_CORRUPT', `${found.file}: ${(cause as Error).message}`, { cause });
    }
  }

  private async readCurrentOrPlain(id: string): Promise<{ file: string; text: string } | undefined> {
    const current = await this.read(this.file(id));
    if (current || !this.opts.compressed) return current;
    return this.read(this.plainFile(id));
  }

  private async read(file: string): Promise<{ file: string; text: string } | undefined> {
    const bytes = await readOrUndefined(file);
    if (bytes === undefined) return undefined;
    if (!file.endsWith(GZIP)) return { file, text: bytes.toString('utf8') };
    try {
      return {
        file,
        text: (bytes.length <= INLINE_GUNZIP_BYTES
          ? gunzipSync(bytes, { maxOutputLength: MAX_RECORD_BYTES })
          : await gunzipAsync(bytes, { maxOutputLength: MAX_RECORD_BYTES })
        ).toString('utf8'),
      };
    } catch (cause) {
      const why =
        (cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
          ? `it expands past ${MAX_RECORD_BYTES / (1024 * 1024)} MiB, far more than any record`
          : (cause as Error).message;
      throw new DepotError('STORE_CORRUPT', `${file}: not a readable gzip file (${why})`, { cause });
    }
  }

  async delete(id: string): Promise<void> {
    const files = [this.file(id), this.plainFile(id)];
    return this.serial(id, async () => {
      await Promise.all(files.map((f) => rm(f, { force: true })));
      // Make the removal durable too: a deleted credentials file must not return after a power cut.
      await fsyncDir(this.dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    });
  }

  private async names(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => !n.includes(TEMP_MARKER));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async ids(): Promise<string[]> {
    const ids = new Set<string>();
    for (const n of await this.names()) {
      const ext = n.endsWith(GZIP) && this.opts.compressed ? GZIP : n.endsWith(PLAIN) ? PLAIN : undefined;
      if (ext) ids.add(n.slice(0, -ext.length));
    }
    return [...ids].filter((id) => ID_RE.test(id)).sort();
  }

  /**
   * Rewrite every plain record of an older version in the compressed form, one file at a time
   * (each atomic: the compressed file is durable before the plain one goes). With `upgrade`,
   * every record is offered to it too, and rewritten as it returns (undefined: kept as it is),
   * under the same queue as `put`. A record that does not parse is left as it is, for its reader
   * to report. Returns how many were rewritten.
   */
  async migrate(
    signal?: AbortSignal,
    upgrade?: (record: T) => Promise<T | undefined>,
  ): Promise<{ migrated: number; unreadable: string[] }> {
    const result = { migrated: 0, unreadable: [] as string[] };
    if (!this.opts.compressed) return result;
    const plain = (await this.names()).filter((n) => n.endsWith(PLAIN)).map((n) => n.slice(0, -PLAIN.length));
    const ids = upgrade ? [...new Set([...plain, ...(await this.ids())])] : plain;
    for (const id of ids.filter((i) => ID_RE.test(i))) {
      if (signal?.aborted) break;
      const done = await this.serial(id, () => this.migrateOne(id, upgrade));
      if (done === 'migrated') result.migrated++;
      else if (done === 'unreadable') result.unreadable.push(id);
    }
    return result;
  }

  private async migrateOne(
    id: string,
    upgrade?: (record: T) => Promise<T | undefined>,
  ): Promise<'migrated' | 'unreadable' | 'gone'> {
    const plain = this.plainFile(id);
    // A compressed copy already there is the newer one (written by a put after this file), if it
    // reads: a damaged one never costs the only copy that does (left for a technician to recover).
    let current: { file: string; text: string } | undefined;
    let record: T;
    try {
      current = await this.read(this.file(id));
      if (current) record = this.parse(JSON.parse(current.text), id);
    } catch {
      return 'unreadable';
    }
    if (current) {
      await rm(plain, { force: true });
      const newer = upgrade && (await upgrade(record!));
      if (!newer) return 'gone';
      await writeFileAtomic(this.file(id), await gzipRecord(newer), { mode: this.mode });
      return 'migrated';
    }
    let text: Buffer | undefined;
    try {
      // A directory or symlink in its place is unreadable too, not the end of the whole pass.
      text = await readOrUndefined(plain);
      if (text === undefined) return 'gone';
      record = this.parse(JSON.parse(text.toString('utf8')), id);
    } catch {
      return 'unreadable';
    }
    const newer = (upgrade && (await upgrade(record))) ?? record;
    await writeFileAtomic(this.file(id), await gzipRecord(newer), { mode: this.mode });
    await rm(plain, { force: true });
    return 'migrated';
  }
}
