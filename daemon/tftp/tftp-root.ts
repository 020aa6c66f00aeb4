/**
 * What is in the TFTP root and why: firmware staged from signed manifests, and the site's own
 * files (phone configs) uploaded in the UI. Both are written with temp + fsync + rename, so a
 * device never reads half a file, and the bytes are hashed on the way in: a firmware file whose
 * SHA-256 or size differs from its manifest never reaches the root. The record of both is
 * `DATA_DIR/tftp-root.json`, validated on load (a damaged file stops the start, it is never reset).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DEVICE_FILE_NAME } from '../catalog/model.js';
import { DepotError } from '../errors.js';
import { type Clock, dateOf } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { sweepTempFiles, TEMP_MARKER, writeFileAtomic } from '../store/atomic-file.js';
import { JsonFileAdapter } from '../store/json-file-adapter.js';
import type { FirmwareEntry } from './firmware.js';

const sha = z.string().regex(/^[0-9a-f]{64}$/);
const firmwareRecord = z.object({
  name: z.string(),
  sha256: sha,
  size: z.number().int().nonnegative(),
  vendor: z.string(),
  product: z.string(),
  version: z.string(),
  feedId: z.string(),
  stagedAt: z.string(),
});
const siteRecord = z.object({
  name: z.string(),
  sha256: sha,
  size: z.number().int().nonnegative(),
  uploadedAt: z.string(),
});
const failureRecord = z.object({ name: z.string(), error: z.string(), at: z.string() });
const docSchema = z.object({
  version: z.literal(1),
  firmware: z.array(firmwareRecord),
  site: z.array(siteRecord),
  failures: z.array(failureRecord),
});
type RootDoc = z.infer<typeof docSchema>;
export type StagedFirmware = z.infer<typeof firmwareRecord>;
export type SiteFile = z.infer<typeof siteRecord>;
export type StagingFailure = z.infer<typeof failureRecord>;

const fileSha256 = async (path: string): Promise<string> => {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

/** A plain file name a device can ask for (DEVICE_FILE_NAME), and no temp-file marker. */
export const checkSiteFileName = (name: string): string => {
  if (!DEVICE_FILE_NAME.test(name) || name.includes(TEMP_MARKER))
    throw new DepotError(
      'BAD_INPUT',
      `"${name.slice(0, 80)}" is not a plain file name: use letters, digits, '.', '_', '+' and '-' (at most 128), starting with a letter or digit`,
    );
  return name;
};

/** Where firmware bytes come from: the patch cache, verified against `sha256` there too. */
export interface FirmwareSource {
  read(
    file: { url: string; sha256: string; size: number },
    signal: AbortSignal,
  ): Promise<AsyncIterable<Uint8Array>>;
}

/** The bytes of `source`, refused (by throwing) past `size` or when the hash is not `sha256`. */
async function* checked(
  source: AsyncIterable<Uint8Array>,
  want: { name: string; sha256: string; size: number },
) {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > want.size)
      throw new DepotError(
        'BAD_INPUT',
        `${want.name}: longer than the manifest's ${want.size} bytes; not staged`,
      );
    hash.update(chunk);
    yield chunk;
  }
  const got = hash.digest('hex');
  if (size !== want.size || got !== want.sha256)
    throw new DepotError(
      'BAD_INPUT',
      `${want.name}: got ${size} bytes with SHA-256 ${got.slice(0, 16)}…, the manifest says ${want.size} bytes with ${want.sha256.slice(0, 16)}…; not staged`,
    );
}

export interface TftpRootOptions {
  root: string;
  dataDir: string;
  /** Largest site file accepted (bytes). */
  maxSiteFileBytes: number;
  clock: Clock;
  log: Logger;
  /** Names a signed manifest lists (staged or not yet): a site file may not take them. */
  listed?: (name: string) => boolean;
}

export interface RootListing {
  firmware: (StagedFirmware & { present: boolean })[];
  site: SiteFile[];
  failures: StagingFailure[];
  /** Files someone put in the root by hand. */
  other: string[];
}

export class TftpRoot {
  private doc: RootDoc = { version: 1, firmware: [], site: [], failures: [] };
  private readonly file: JsonFileAdapter<RootDoc>;
  /** Changes one at a time: an upload and a staging job never interleave their records. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: TftpRootOptions) {
    this.file = new JsonFileAdapter(join(o.dataDir, 'tftp-root.json'), { mode: 0o640, schema: docSchema });
  }

  async start(): Promise<void> {
    const swept = await sweepTempFiles(this.o.root);
    if (swept) this.o.log.info('removed unfinished files from the TFTP root', { count: swept });
    this.doc = (await this.file.read()) ?? this.doc;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private now(): string {
    return dateOf(this.o.clock).toISOString();
  }

  private save(): Promise<void> {
    return this.file.write(this.doc);
  }

  get maxSiteFileBytes(): number {
    return this.o.maxSiteFileBytes;
  }

  /** Staged firmware by name. */
  staged(name: string): StagedFirmware | undefined {
    return this.doc.firmware.find((f) => f.name === name);
  }

  failures(): StagingFailure[] {
    return [...this.doc.failures];
  }

  /** Whether `entry` still has to be staged (new, changed, failed before, or gone from disk). */
  async needs(entry: FirmwareEntry): Promise<boolean> {
    const have = this.staged(entry.name);
    if (!have || have.sha256 !== entry.sha256) return true;
    return !(await this.onDisk(entry.name, entry.size));
  }

  private async onDisk(name: string, size: number): Promise<boolean> {
    const st = await stat(join(this.o.root, name)).catch(() => undefined);
    return !!st?.isFile() && st.size === size;
  }

  /** Put `entry` into the root from `source`; a failure is recorded (shown on the page) and thrown. */
  stage(entry: FirmwareEntry, source: FirmwareSource, signal: AbortSignal): Promise<void> {
    return this.serial(async () => {
      this.doc.failures = this.doc.failures.filter((f) => f.name !== entry.name);
      try {
        checkSiteFileName(entry.name);
        if (this.doc.site.some((s) => s.name === entry.name))
          throw new DepotError('CONFLICT', `${entry.name}: a site file has this name; rename or delete it`);
        if (!entry.url) throw new DepotError('BAD_INPUT', `${entry.name}: the manifest gives no URL`);
        await this.refuseNonFile(entry.name);
        await this.refuseHandPlaced(entry);
        const bytes = await source.read({ url: entry.url, sha256: entry.sha256, size: entry.size }, signal);
        await writeFileAtomic(join(this.o.root, entry.name), checked(bytes, entry), { mode: 0o644 });
      } catch (err) {
        this.doc.failures.push({ name: entry.name, error: (err as Error).message, at: this.now() });
        await this.save();
        throw err;
      }
      const { name, sha256, size, vendor, product, version, feedId } = entry;
      const record = { name, sha256, size, vendor, product, version, feedId, stagedAt: this.now() };
      this.doc.firmware = [...this.doc.firmware.filter((f) => f.name !== name), record];
      await this.save();
      this.o.log.info('firmware staged for TFTP', { file: name, version, size });
    });
  }

  /**
   * Refuse a name that something other than a file holds in the root (a folder made by hand):
   * the rename that would put the file there fails, and the technician should hear why.
   */
  private async refuseNonFile(name: string): Promise<void> {
    const st = await lstat(join(this.o.root, name)).catch(() => undefined);
    if (st && !st.isFile() && !st.isSymbolicLink())
      throw new DepotError(
        'CONFLICT',
        `${name} is ${st.isDirectory() ? 'a folder' : 'not a regular file'} in the TFTP root (${this.o.root}), made by hand; move or remove it, or choose another name`,
      );
  }

  /**
   * Refuse to stage over a file that neither staging nor an upload put there (a technician's own,
   * copied in by hand): a manifest naming it must not replace it. The listed bytes already there
   * are taken as staged (a crash between the rename and the record leaves just that).
   */
  private async refuseHandPlaced(entry: FirmwareEntry): Promise<void> {
    if (this.staged(entry.name)) return;
    const path = join(this.o.root, entry.name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) return;
    if (st.isFile() && st.size === entry.size && (await fileSha256(path)) === entry.sha256) return;
    throw new DepotError(
      'CONFLICT',
      `${entry.name} is in the TFTP root (${this.o.root}) but was not staged or uploaded here (put there by hand?); it is left as it is: move or remove it to stage ${entry.vendor} ${entry.product} ${entry.version}`,
    );
  }

  /** Store a site file (a phone's config) under `name`, replacing an earlier upload of it. */
  putSiteFile(name: string, data: Uint8Array): Promise<SiteFile> {
    return this.serial(async () => {
      checkSiteFileName(name);
      if (data.length > this.o.maxSiteFileBytes)
        throw new DepotError(
          'BAD_INPUT',
          `${name} is ${data.length} bytes; site files may be ${this.o.maxSiteFileBytes} bytes at most (tftp.maxSiteFileMB)`,
        );
      if (this.staged(name) || this.o.listed?.(name))
        throw new DepotError(
          'CONFLICT',
          `${name} is firmware listed by a signed manifest; choose another name`,
        );
      await this.refuseNonFile(name);
      await writeFileAtomic(join(this.o.root, name), data, { mode: 0o644 });
      const sha256 = createHash('sha256').update(data).digest('hex');
      const record = { name, sha256, size: data.length, uploadedAt: this.now() };
      this.doc.site = [...this.doc.site.filter((s) => s.name !== name), record];
      await this.save();
      this.o.log.info('site file stored for TFTP', { file: name, size: data.length });
      return record;
    });
  }

  removeSiteFile(name: string): Promise<void> {
    return this.serial(async () => {
      if (!this.doc.site.some((s) => s.name === name))
        throw new DepotError('NOT_FOUND', `${name.slice(0, 80)} is not a site file`);
      await rm(join(this.o.root, name), { force: true });
      this.doc.site = this.doc.site.filter((s) => s.name !== name);
      await this.save();
    });
  }

  async list(): Promise<RootListing> {
    const names = await readdir(this.o.root).catch(() => [] as string[]);
    const known = new Set([...this.doc.firmware, ...this.doc.site].map((f) => f.name));
    const present = new Set(names);
    return {
      firmware: this.doc.firmware.map((f) => ({ ...f, present: present.has(f.name) })),
      site: [...this.doc.site],
      failures: this.failures(),
      other: names.filter((n) => !known.has(n) && !n.includes(TEMP_MARKER)).sort(),
    };
  }
}
