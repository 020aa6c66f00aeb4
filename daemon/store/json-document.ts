/**
 * A small JSON document in one file (pinned host keys, host credentials, the host directory):
 * validated on read, replaced atomically on write (JsonFileAdapter), and updates queued one after
 * another so two collections pinning keys at the same moment cannot lose each other's change.
 */
import type { z } from 'zod';
import { JsonFileAdapter } from './json-file-adapter.js';

export class JsonDocument<S extends z.ZodType> {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly adapter: JsonFileAdapter<z.output<S>>;

  constructor(
    readonly file: string,
    private readonly schema: S,
    private readonly empty: () => z.output<S>,
    mode: number,
  ) {
    this.adapter = new JsonFileAdapter(file, { mode, space: 2, schema: schema as z.ZodType<z.output<S>> });
  }

  /** The document, or `empty()` when there is no file; throws STORE_CORRUPT for a damaged one. */
  async read(): Promise<z.output<S>> {
    return (await this.adapter.read()) ?? this.empty();
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
      await this.adapter.write(this.schema.parse(doc));
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
