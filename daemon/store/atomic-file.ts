/**
 * Durable file replacement: write a sibling temp file, fsync it, rename it over the target, fsync
 * the directory. A reader (or a restart after kill -9 or power loss) sees the old bytes or the new
 * bytes, never a mix. Temp names carry a marker so leftovers can be swept at start.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const TEMP_MARKER = '.tmp-';

export const fsyncDir = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

export interface AtomicWriteOptions {
  /** File mode for the new file, e.g. 0o600 for secrets. */
  mode?: number;
}

export const writeFileAtomic = async (
  target: string,
  /**
   * Whole, or in pieces (each piece is written before the next is asked for). A piece source
   * that throws leaves the target untouched: that is how a check over the bytes refuses them.
   */
  data: string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  opts: AtomicWriteOptions = {},
): Promise<void> => {
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `${basename(target)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', opts.mode ?? 0o644);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    // Each writeFile continues at the current position: the pieces follow one another.
    else for await (const piece of data) await handle.writeFile(piece);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
};

const TEMP_PID = new RegExp(`\\${TEMP_MARKER}(\\d+)-[0-9a-f]+$`);

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Remove temp files an interrupted writer left behind in `dir`; returns how many. A temp file
 * whose writer is still alive (this process, or the daemon while a CLI command opens the same
 * store) is left alone: removing it would make that writer's rename fail.
 */
export const sweepTempFiles = async (
  dir: string,
  opts: {
    /**
     * Every temp file is stale, whoever's pid it names: for a store that the data-dir lock keeps
     * to this process and whose writers have not started yet. (A file left by a power cut names
     * the pid the daemon had in that boot, which the next boot often gives to the daemon again,
     * or to another live process.)
     */
    allStale?: boolean;
  } = {},
): Promise<number> => {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const stale = names.filter((n) => {
    if (!n.includes(TEMP_MARKER)) return false;
    if (opts.allStale) return true;
    const pid = Number(TEMP_PID.exec(n)?.[1]);
    return !(pid && isAlive(pid));
  });
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale.length;
};
