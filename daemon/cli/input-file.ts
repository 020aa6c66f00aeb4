/**
 * A file a technician named on the command line, read with the option and path named in any
 * failure: "--bundle /media/usb/feeds.zip: no such file or directory", not a bare errno.
 */
import { readFile } from 'node:fs/promises';
import { DepotError, isSystemError, systemErrorReason } from '../errors.js';

export const readInputFile = async (flag: string, path: string): Promise<Buffer> => {
  try {
    return await readFile(path);
  } catch (cause) {
    const why = isSystemError(cause) ? systemErrorReason(cause) : (cause as Error).message;
    throw new DepotError('BAD_INPUT', `--${flag} ${path}: ${why}`, { cause });
  }
};
