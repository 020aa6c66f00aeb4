/**
 * An append-only log of JSON lines (audit trails): each entry is validated, appended with
 * O_APPEND and fsync'd before `append` resolves; appends are serialised. Lines are only ever
 * appended, so a torn last line after a power cut is the only damage possible, and it is skipped
 * on read, as is any line that no longer parses.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { fsyncDir } from './atomic-file.js';
import { openForAppend } from './regular-file.js';

/**
 * Append `text` to `file` (created with `mode` if absent) and fsync it before resolving; with
 * `syncDir`, the directory too (the append may have created the file: its entry must last as well).
 * A symlink or anything but a regular file in its place is refused (regular-file.ts).
 */
export const appendDurably = async (
  file: string,
  text: string,
  mode: number,
  syncDir: boolean,
): Promise<void> => {
  await mkdir(dirname(file), { recursive: true });
  const handle = await openForAppend(file, mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (syncDir) await fsyncDir(dirname(file));
};

export class AppendLog<S extends z.ZodType> {
  private tail: Promise<void> = Promise.resolve();
  private synced = false;

  constructor(
    readonly file: string,
    private readonly schema: S,
    private readonly mode = 0o640,
  ) {}

  /** Append one entry; resolves once it is on disk. */
  append(entry: z.input<S>): Promise<void> {
    const line = `${JSON.stringify(this.schema.parse(entry))}\n`;
    const next = this.tail
      .catch(() => {})
      .then(async () => {
        await appendDurably(this.file, line, this.mode, !this.synced);
        this.synced = true;
      });
    this.tail = next;
    return next;
  }

  /** Every readable entry, oldest first. */
  async read(): Promise<z.output<S>[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text.split('\n').flatMap((line) => {
      if (!line.trim()) return [];
      try {
        return [this.schema.parse(JSON.parse(line))];
      } catch {
        return [];
      }
    });
  }
}
