/**
 * A lowdb adapter that reads and writes one JSON document with durable atomic replacement
 * (lowdb's own TextFile renames but never fsyncs, which loses data on power cuts).
 */
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { DepotError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';

export class JsonFileAdapter<T> implements Adapter<T> {
  constructor(
    private readonly path: string,
    private readonly mode = 0o600,
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new DepotError(
        'STORE_CORRUPT',
        `${this.path}: not valid JSON (${(cause as Error).message}); move it aside to start fresh or restore a backup`,
        { cause },
      );
    }
    // null means "no file" to lowdb; a file holding `null` is damage, not a first run.
    if (parsed === null)
      throw new DepotError('STORE_CORRUPT', `${this.path}: holds null; restore a backup or move it aside`);
    return parsed as T;
  }

  async write(data: T): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(data, null, 1)}\n`, { mode: this.mode });
  }
}
