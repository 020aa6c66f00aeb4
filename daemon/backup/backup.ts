/**
 * Backup and restore of the appliance's state: everything in the data directory (settings, the
 * state file with accounts and sessions, hosts and their pinned keys and credentials, the site
 * key, API tokens, feeds, inventories, jobs, deployments, the audit log, device files) except the
 * package cache, which refills itself, in one archive encrypted with a passphrase.
 *
 * A restore never half-happens: the archive is unpacked into a staging directory beside the data
 * directory and checked; a marker then says "swap". The swap (the old directory moved aside as
 * `<dir>.before-restore-<time>`, the staging one renamed into place) runs with the daemon stopped,
 * at its next start or in `patch-depot restore`, and finishes from any point a crash leaves it.
 */
import { existsSync } from 'node:fs';
import { chown, mkdir, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { fsyncDir, TEMP_MARKER, writeFileAtomic } from '../store/atomic-file.js';
import { LOCK_FILE } from '../store/data-dir-lock.js';
import { STATE_FILE } from '../store/state-store.js';
import { listFiles, packEntries, unpackEntries } from './archive.js';
import { openStream, sealStream } from './sealed-stream.js';

/** Largest restore accepted: the unpacked files together. */
export const MAX_RESTORE_BYTES = 8 * 1024 ** 3;

/** What a backup leaves out, relative to the data directory. */
export const skipInBackup =
  (cacheRel: string | undefined) =>
  (rel: string): boolean =>
    rel === LOCK_FILE ||
    rel === 'setup-code' ||
    (cacheRel !== undefined && (rel === cacheRel || rel.startsWith(`${cacheRel}/`))) ||
    basename(rel).includes(TEMP_MARKER);

/** Write the encrypted backup of `dataDir` to `out`. */
export const writeBackup = async (
  dataDir: string,
  out: Writable,
  passphrase: string,
  skip: (rel: string) => boolean,
): Promise<{ files: number }> => {
  const sealed = await sealStream(passphrase);
  const files = await listFiles(dataDir, skip);
  if (!files.includes(STATE_FILE))
    throw new DepotError('NOT_FOUND', `${dataDir} holds no ${STATE_FILE}: nothing to back up`);
  await pipeline(
    Readable.from(packEntries(dataDir, files, () => listFiles(dataDir, skip))),
    createGzip(),
    sealed,
    out,
  );
  return { files: files.length };
};

const paths = async (dataDir: string) => {
  const real = existsSync(dataDir) ? await realpath(dataDir) : dataDir;
  return { real, staging: `${real}.restore-staging`, marker: `${real}.restore-ready` };
};

const fsyncTree = async (dir: string): Promise<void> => {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await fsyncTree(p);
    else {
      const h = await open(p, 'r');
      await h.sync();
      await h.close();
    }
  }
  await fsyncDir(dir);
};

const chownTree = async (dir: string, uid: number, gid: number): Promise<void> => {
  await chown(dir, uid, gid);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await chownTree(p, uid, gid);
    else await chown(p, uid, gid);
  }
};

/**
 * Unpack and check a backup beside `dataDir`, then mark it ready to swap in. Nothing in the data
 * directory changes here; a wrong passphrase, a damaged or hostile archive leaves no trace.
 */
export const stageRestore = async (
  dataDir: string,
  input: Readable,
  passphrase: string,
): Promise<{ files: number }> => {
  const { real, staging, marker } = await paths(dataDir);
  await rm(staging, { recursive: true, force: true });
  await rm(marker, { force: true });
  await mkdir(staging, { mode: 0o750 });
  try {
    let written: string[] = [];
    await pipeline(input, openStream(passphrase), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      written = await unpackEntries(source, staging, MAX_RESTORE_BYTES);
    }).catch((err: Error & { code?: string }) => {
      if (err instanceof DepotError) throw err;
      // zlib's words for a stream that decrypted but is not ours.
      throw new DepotError('BAD_INPUT', `not a readable backup: ${err.message}`);
    });
    const state = JSON.parse(await readFile(join(staging, STATE_FILE), 'utf8').catch(() => 'null')) as {
      schemaVersion?: unknown;
      secret?: unknown;
    } | null;
    if (!state || typeof state.schemaVersion !== 'number' || typeof state.secret !== 'string') {
      throw new DepotError('BAD_INPUT', `not a restorable backup: it has no valid ${STATE_FILE}`);
    }
    // The restored files belong to whoever owns the data directory now (the daemon's user).
    const owner = await stat(existsSync(real) ? real : dirname(real));
    if (process.getuid?.() === 0) await chownTree(staging, owner.uid, owner.gid);
    await fsyncTree(staging);
    await writeFileAtomic(marker, `${JSON.stringify({ staging, at: new Date().toISOString() })}\n`, {
      mode: 0o600,
    });
    return { files: written.length };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
};

/** Finish a staged restore (the daemon stopped); a no-op without one. Says whether, and where the old state went. */
export const finishRestore = async (
  dataDir: string,
  log: Logger,
): Promise<{ restored: boolean; previous?: string | undefined }> => {
  const { real, staging, marker } = await paths(dataDir);
  if (!existsSync(marker)) return { restored: false };
  let previous: string | undefined;
  if (existsSync(staging)) {
    if (existsSync(real)) {
      previous = `${real}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(real, previous);
    }
    await rename(staging, real);
    await fsyncDir(dirname(real));
  }
  await rm(marker, { force: true });
  log.warn('restored the state from a backup', { dataDir: real, previous });
  return { restored: true, previous };
};

/** A staged restore waiting for the next start, if any. */
export const restorePending = async (dataDir: string): Promise<boolean> =>
  existsSync((await paths(dataDir)).marker);
