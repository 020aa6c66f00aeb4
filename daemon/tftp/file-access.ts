/**
 * Which file a read request may open: only a regular file under the TFTP root. The name is
 * checked as text first (printable ASCII, no `..`, at most 255 bytes; a leading `/` and
 * backslashes are read as relative to the root, the way devices send them), then the real path
 * must stay under the root's real path (a symlink that leads out is refused), the file is opened
 * without following a last-component symlink, and on Linux the open descriptor's own path is
 * checked again, so a swap between the check and the open cannot leave the root either.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, readlink, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { TEMP_MARKER } from '../store/atomic-file.js';
import { ERR, MAX_FILENAME_BYTES } from './packet.js';

export class TftpRefusal extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request's name as a path relative to the root, or a refusal. */
export const relativeName = (filename: string): string => {
  if (filename.length === 0) throw new TftpRefusal(ERR.NOT_FOUND, 'empty file name');
  if (filename.length > MAX_FILENAME_BYTES) {
    throw new TftpRefusal(ERR.ACCESS, `file name of ${filename.length} bytes (max ${MAX_FILENAME_BYTES})`);
  }
  if (!/^[\x20-\x7e]+$/.test(filename))
    throw new TftpRefusal(ERR.ACCESS, 'file name with control or non-ASCII bytes');
  const parts = filename
    .replaceAll('\\', '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new TftpRefusal(ERR.ACCESS, 'file name leaves the TFTP root (..)');
  if (parts.length === 0) throw new TftpRefusal(ERR.NOT_FOUND, 'no file name');
  // A file being staged is not there yet: its temp name is never served.
  if (parts.some((p) => p.includes(TEMP_MARKER))) throw new TftpRefusal(ERR.NOT_FOUND, 'file not found');
  return parts.join('/');
};

const inside = (root: string, path: string): boolean =>
  path.startsWith(root.endsWith(sep) ? root : root + sep);

export interface OpenedFile {
  handle: FileHandle;
  size: number;
  /** The path under the root, for logs. */
  name: string;
}

export const openContained = async (root: string, filename: string): Promise<OpenedFile> => {
  const name = relativeName(filename);
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(join(realRoot, name));
  } catch {
    throw new TftpRefusal(ERR.NOT_FOUND, 'file not found');
  }
  if (!inside(realRoot, real)) throw new TftpRefusal(ERR.ACCESS, 'file is outside the TFTP root');
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    throw new TftpRefusal(ERR.NOT_FOUND, 'file not found');
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new TftpRefusal(ERR.NOT_FOUND, 'not a file');
    if (process.platform === 'linux') {
      const opened = await readlink(`/proc/self/fd/${handle.fd}`);
      if (!inside(realRoot, opened)) throw new TftpRefusal(ERR.ACCESS, 'file is outside the TFTP root');
    }
    return { handle, size: st.size, name };
  } catch (err) {
    await handle.close();
    throw err instanceof TftpRefusal ? err : new TftpRefusal(ERR.NOT_FOUND, 'file not readable');
  }
};
