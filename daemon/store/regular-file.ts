/**
 * Opening a store file that must be a regular file of the data directory. A symlink planted in
 * its place (to /etc/passwd, to a file outside the data directory) is not followed, so nothing
 * outside is read or appended to through it; a directory, a FIFO (which would block a plain
 * open forever) or a device is refused too. Each is reported STORE_CORRUPT naming the file.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { DepotError } from '../errors.js';

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = constants;

const notRegular = (file: string, what: string, cause?: unknown): DepotError =>
  new DepotError('STORE_CORRUPT', `${file}: ${what}, not a regular file: move it away`, { cause });

/** `file` opened with `flags` (never through a symlink), checked to be a regular file. */
const openRegular = async (file: string, flags: number, mode?: number): Promise<FileHandle> => {
  let handle: FileHandle;
  try {
    handle = await open(file, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw notRegular(file, 'a symlink', err);
    if (code === 'EISDIR') throw notRegular(file, 'a directory', err);
    if (code === 'ENXIO') throw notRegular(file, 'a FIFO or socket', err);
    throw err;
  }
  const stats = await handle.stat().catch(async (err: unknown) => {
    await handle.close();
    throw err;
  });
  if (!stats.isFile()) {
    await handle.close();
    throw notRegular(file, stats.isDirectory() ? 'a directory' : 'a special file');
  }
  return handle;
};

/**
 * The bytes of `file`, or undefined when there is none. Past `maxBytes` the file is not read into
 * memory: STORE_CORRUPT naming it (no file of the store comes near the limit its reader gives).
 */
export const readRegularFile = async (file: string, maxBytes?: number): Promise<Buffer | undefined> => {
  let handle: FileHandle;
  try {
    handle = await openRegular(file, O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    if (maxBytes !== undefined) {
      const { size } = await handle.stat();
      if (size > maxBytes)
        throw new DepotError(
          'STORE_CORRUPT',
          `${file}: ${size} bytes, far more than it ever holds; restore a backup or move it aside`,
        );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
};

/** `file` opened to append (created with `mode` if absent). */
export const openForAppend = (file: string, mode: number): Promise<FileHandle> =>
  openRegular(file, O_WRONLY | O_APPEND | O_CREAT, mode);
