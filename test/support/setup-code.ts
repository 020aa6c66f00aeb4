/** The one-time setup code a daemon with this data directory wrote at start (what an admin reads on the box). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SETUP_CODE_FILE } from '../../daemon/auth/setup-code.js';

export const setupCodeOf = async (dataDir: string): Promise<string> =>
  (await readFile(join(dataDir, SETUP_CODE_FILE), 'utf8')).trim();
