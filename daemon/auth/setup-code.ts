/**
 * The one-time setup code. Until the admin password is set, whoever reaches the UI first could
 * set it, and on a shared LAN that need not be the person who plugged the box in. So first-run
 * setup also asks for a code only someone with access to the appliance itself can read: it is
 * written to the log at start (the console, the journal) and to `DATA_DIR/setup-code`, readable
 * by root only, and `patch-depot setup-code` prints it. Setup deletes it: the code works once.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';

export const SETUP_CODE_FILE = 'setup-code';
/** No 0/O, 1/I/L: the code is read off a screen and typed. 31^12 is about 2^59. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const LENGTH = 12;

/** Upper case, and only the code's own characters: "abcd efgh-jkmn" is ABCDEFGHJKMN. */
export const normalizeSetupCode = (text: string): string => text.toUpperCase().replace(/[^0-9A-Z]/g, '');

const grouped = (code: string): string => code.match(/.{1,4}/g)!.join('-');
const digest = (text: string): Buffer => createHash('sha256').update(normalizeSetupCode(text)).digest();

export class SetupCode {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, SETUP_CODE_FILE);
  }

  /** The current code (as XXXX-XXXX-XXXX), or undefined when there is none. */
  async read(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const code = normalizeSetupCode(text);
    return code.length === LENGTH ? grouped(code) : undefined;
  }

  /** The code, made (root-only, written atomically) when there is none yet. */
  async ensure(): Promise<string> {
    const have = await this.read();
    if (have) return have;
    const code = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    await writeFileAtomic(this.path, `${grouped(code)}\n`, { mode: 0o600 });
    return grouped(code);
  }

  /** Whether `input` is the current code (compared in constant time); false when there is none. */
  async matches(input: string): Promise<boolean> {
    const want = await this.read();
    return want !== undefined && timingSafeEqual(digest(want), digest(input));
  }

  /** Setup is done: the code is spent. */
  async consume(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
