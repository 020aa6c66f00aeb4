/**
 * A small JSON document in one file (pinned host keys, host credentials, the host directory):
 * validated on read, replaced atomically on write, and updates queued one after another so two
 * collections pinning keys at the same moment cannot lose each other's change.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { formatIssues } from '../config.js';
import { DepotError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';

export class JsonDocument<S extends z.ZodType> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly schema: S,
    private readonly empty: () => z.output<S>,
    private readonly mode: number,
  ) {}

  async read(): Promise<z.output<S>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.empty();
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new DepotError('STORE_CORRUPT', `${this.file}: not valid JSON: ${(cause as Error).message}`, {
        cause,
      });
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) {
      throw new DepotError(
        'STORE_CORRUPT',
        `${this.file}: ${formatIssues(parsed.error).replaceAll('\n', '; ')}`,
      );
    }
    return parsed.data;
  }

  /**
   * Read, change in place, write durably (only when something changed); resolves with what `fn`
   * returns. Throwing in `fn` writes nothing.
   */
  update<R>(fn: (doc: z.output<S>) => R | Promise<R>): Promise<R> {
    const run = async (): Promise<R> => {
      const doc = await this.read();
      const before = JSON.stringify(doc);
      const result = await fn(doc);
      // Nothing changed (a known host key matched): spare the SD card a write.
      if (JSON.stringify(doc) === before) return result;
      // Validate what we write too: a bug must not leave a file the next start cannot read.
      const checked = this.schema.parse(doc);
      await writeFileAtomic(this.file, `${JSON.stringify(checked, null, 2)}\n`, { mode: this.mode });
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
