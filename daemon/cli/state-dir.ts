/**
 * Commands that work on the daemon's state (`needsState` in their spec) check their data directory
 * first: a typo or a directory that is not the daemon's is said, with exit 2, before anything is
 * made there (an SSH key no host trusts, a host directory, a state.json of its own).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CommandContext, UsageError } from '../cli-context.js';
import { STATE_FILE } from '../store/state-store.js';

/**
 * What is wrong with `dir` as a data directory; undefined when it is one, or cannot be read to
 * tell. `fresh`: a directory that does not exist yet, or is being prepared, may become one (a key
 * made for the lab's hosts before the daemon's first start).
 */
const problemWith = (dir: string, fresh: boolean): string | undefined => {
  const missing = (path: string): boolean => {
    try {
      statSync(path);
      return false;
    } catch (err) {
      // Only "not there" is a verdict; a permission error is the command's to report as it is.
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR';
    }
  };
  if (missing(dir)) return fresh ? undefined : `the data directory ${dir} does not exist`;
  if (fresh && beingPrepared(dir)) return undefined;
  if (missing(join(dir, STATE_FILE)))
    return `${dir} is not a Patch Depot data directory (it has no ${STATE_FILE})`;
  return undefined;
};

/**
 * What a data directory holds before the daemon's first start: its settings written by hand, and
 * the SSH key `inventory --public-key` made for the hosts to trust.
 */
const PREPARED = new Set(['config.json', 'inventory']);

/** Empty, or holding only what is put there before the first start. */
const beingPrepared = (dir: string): boolean => {
  try {
    return readdirSync(dir).every((name) => PREPARED.has(name));
  } catch {
    return false;
  }
};

/**
 * The data directory must be one the daemon has run on (or, `fresh`, one being prepared: not there
 * yet, empty, or holding only its config.json and the key); else a usage mistake, nothing made.
 */
export const checkStateDir = (ctx: CommandContext, fresh = false): void => {
  const config = ctx.config();
  const why = problemWith(config.dataDir, fresh);
  if (!why) return;
  const give =
    "give the daemon's with --data-dir DIR or PATCH_DEPOT_DATA_DIR (the appliance's is /var/lib/patch-depot)";
  throw new UsageError(
    ctx.implicitDataDir(config) ? `which data directory? ${give}; ${why}` : `${why}: ${give}`,
  );
};
