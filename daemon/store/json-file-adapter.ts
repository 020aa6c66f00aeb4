/**
 * A lowdb adapter that reads and writes one JSON document with durable atomic replacement
 * (lowdb's own TextFile renames but never fsyncs, which loses data on power cuts). With a schema,
 * what is read is validated and a damaged file is reported with its path, never half-loaded.
 */
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import type { z } from 'zod';
import { formatIssues } from '../config-messages.js';
import { DepotError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { readRegularFile } from './regular-file.js';

export interface JsonFileOptions<T> {
  /** File mode of the written file: 0o600 for secrets (the default), 0o640 for shared data. */
  mode?: number;
  /** Indentation of the written JSON (0: one line, the cheapest for large documents). */
  space?: number;
  /** Validates what is read; without one the document is trusted to be a T. */
  schema?: z.ZodType<T>;
  /**
   * Read only a regular file, never through a symlink: the store writes it by renaming, so
   * anything else in its place (a link out of the data directory, a named pipe that would hold
   * the read forever, a directory) is damage, reported STORE_CORRUPT naming it (regular-file.ts).
   */
  regular?: boolean;
  /** With `regular`: a larger file is damage, not read into memory. */
  maxBytes?: number;
}

/** `value` as a T, or STORE_CORRUPT naming the file and every `path: message` the schema reports. */
export const checkDocument = <T>(path: string, schema: z.ZodType<T>, value: unknown): T => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new DepotError(
    'STORE_CORRUPT',
    `${path}: ${formatIssues(result.error).replaceAll('\n', '; ')}; restore a backup or move it aside`,
  );
};

export class JsonFileAdapter<T> implements Adapter<T> {
  private readonly mode: number;
  private readonly space: number;

  constructor(
    readonly path: string,
    private readonly opts: JsonFileOptions<T> = {},
  ) {
    this.mode = opts.mode ?? 0o600;
    this.space = opts.space ?? 1;
  }

  /** The document, or null when there is no file yet; throws STORE_CORRUPT for a damaged file. */
  async read(): Promise<T | null> {
    const text = await this.text();
    if (text === undefined) return null;
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
    return this.opts.schema ? checkDocument(this.path, this.opts.schema, parsed) : (parsed as T);
  }

  private async text(): Promise<string | undefined> {
    if (this.opts.regular) return (await readRegularFile(this.path, this.opts.maxBytes))?.toString('utf8');
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async write(data: T): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(data, null, this.space)}\n`, { mode: this.mode });
  }
}
