/**
 * One JSON file per record in a directory (per-host inventories, per-asset detail), so that
 * changing one host rewrites one small file, not the world. Ids are validated before they touch
 * a path: a hostile id cannot escape the directory.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DepotError } from '../errors.js';
import { fsyncDir, sweepTempFiles, TEMP_MARKER, writeFileAtomic } from './atomic-file.js';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

export const assertRecordId = (id: string): string => {
  if (!ID_RE.test(id) || id.includes('..') || id.includes(TEMP_MARKER)) {
    throw new DepotError(
      'BAD_INPUT',
      `invalid record id ${JSON.stringify(id.slice(0, 80))}: use letters, digits, . _ : @ -`,
    );
  }
  return id;
};

export class RecordDir<T> {
  constructor(
    readonly dir: string,
    private readonly parse: (value: unknown, id: string) => T,
    private readonly mode = 0o600,
  ) {}

  async start(): Promise<void> {
    await sweepTempFiles(this.dir);
  }

  /** The file of record `id` (for readers and writers that stream it). */
  file(id: string): string {
    return join(this.dir, `${assertRecordId(id)}.json`);
  }

  async put(id: string, record: T): Promise<void> {
    await writeFileAtomic(this.file(id), `${JSON.stringify(record)}\n`, { mode: this.mode });
  }

  async get(id: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(this.file(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return this.parse(JSON.parse(text), id);
    } catch (cause) {
      throw new DepotError('STORE_CORRUPT', `${this.file(id)}: ${(cause as Error).message}`, { cause });
    }
  }

  async delete(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
    // Make the removal durable too: a deleted credentials file must not return after a power cut.
    await fsyncDir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.json') && !n.includes(TEMP_MARKER))
      .map((n) => n.slice(0, -'.json'.length))
      .filter((id) => ID_RE.test(id))
      .sort();
  }
}
