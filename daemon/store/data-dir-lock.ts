/**
 * One process at a time per data directory. `DATA_DIR/.lock` appears atomically (written to a temp
 * file, then hard-linked into place: never seen empty) and names its holder: pid, that pid's start
 * time from /proc (so a pid reused by another process after a reboot or a crash does not count)
 * and the command. A lock whose holder is gone (kill -9, power cut) is stale and taken over, so a
 * crash never blocks a restart. Taken before anything else touches the directory: a second `serve`
 * once wiped cache/tmp under the running daemon before it failed on the port.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { DepotError } from '../errors.js';
import { isAlive, TEMP_MARKER } from './atomic-file.js';

export const LOCK_FILE = '.lock';

export interface LockHolder {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); null without /proc. */
  startTime: string | null;
  command: string;
  since: string;
  /** The settings file the holder was given (`serve --config FILE`): other commands read it too. */
  config?: string;
}

export const processStartTime = async (pid: number): Promise<string | null> => {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 2, the command name, is in parentheses and may hold spaces and ')' itself.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
};

const parseHolder = (text: string): LockHolder | undefined => {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isInteger(h.pid) || (h.pid ?? 0) <= 0) return undefined;
    return {
      pid: h.pid!,
      startTime: typeof h.startTime === 'string' ? h.startTime : null,
      command: typeof h.command === 'string' ? h.command.slice(0, 100) : 'unknown',
      since: typeof h.since === 'string' ? h.since.slice(0, 40) : 'unknown',
      ...(typeof h.config === 'string' && isAbsolute(h.config) ? { config: h.config.slice(0, 4096) } : {}),
    };
  } catch {
    return undefined;
  }
};

/** The holder still runs: its pid is alive and, where /proc tells, started when the lock says. */
const holderAlive = async (h: LockHolder): Promise<boolean> => {
  if (!isAlive(h.pid)) return false;
  const started = await processStartTime(h.pid);
  return h.startTime === null || started === null || started === h.startTime;
};

/** Put `content` at `path` unless something is there; false when it is taken. */
const createExclusive = async (path: string, content: string): Promise<boolean> => {
  const temp = `${path}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, content, { mode: 0o644 });
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // A filesystem without hard links (vfat): exclusive create, written at once.
    return writeFile(path, content, { flag: 'wx', mode: 0o644 }).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? false : Promise.reject(e)),
    );
  } finally {
    await rm(temp, { force: true });
  }
};

/** The lock file's holder and inode, or undefined when there is none. */
const readLock = async (path: string): Promise<{ holder?: LockHolder; ino: number } | undefined> => {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { ino } = await handle.stat();
    return { holder: parseHolder(await handle.readFile('utf8')), ino };
  } finally {
    await handle.close();
  }
};

/** Remove a stale lock, unless another process replaced it since we read it. */
const removeStale = async (path: string, ino: number): Promise<void> => {
  const now = await stat(path).catch(() => undefined);
  if (now?.ino === ino) await rm(path, { force: true });
};

/**
 * The settings file of the daemon running on `dataDir`, when it was started with one of its own
 * (`--config`, as the lab does): a one-shot command on the same directory then plans with the
 * same host groups and rings as the daemon, not with the defaults. Undefined when none runs.
 */
export const runningDaemonConfig = (dataDir: string): string | undefined => {
  let holder: LockHolder | undefined;
  try {
    holder = parseHolder(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (!holder?.config || holder.command !== 'serve' || !isAlive(holder.pid)) return undefined;
  return existsSync(holder.config) ? holder.config : undefined;
};

export class DataDirLock {
  private constructor(
    readonly path: string,
    private readonly content: string,
  ) {}

  /**
   * Take the lock on `dataDir` (created if missing) or refuse, naming who holds it and the
   * `setting` that picks another directory.
   */
  static async acquire(
    dataDir: string,
    command: string,
    setting = '--data-dir',
    config?: string,
  ): Promise<DataDirLock> {
    await mkdir(dataDir, { recursive: true, mode: 0o750 });
    const path = join(dataDir, LOCK_FILE);
    const me: LockHolder = {
      pid: process.pid,
      startTime: await processStartTime(process.pid),
      command,
      since: new Date().toISOString(),
      ...(config ? { config: resolve(config) } : {}),
    };
    const content = `${JSON.stringify(me)}\n`;
    for (let attempt = 0; attempt < 8; attempt++) {
      // Read back after creating: a racing process may have removed ours as "stale" in between.
      if (
        (await createExclusive(path, content)) &&
        (await readFile(path, 'utf8').catch(() => '')) === content
      )
        return new DataDirLock(path, content);
      const found = await readLock(path);
      if (!found) continue;
      if (found.holder && (await holderAlive(found.holder))) {
        const h = found.holder;
        throw new DepotError(
          'CONFLICT',
          `${dataDir} is in use by patch-depot ${h.command} (pid ${h.pid}, since ${h.since}); stop it first or use another ${setting}${h.command === 'serve' ? ' (while the daemon runs, use its web UI: Patches → Feeds → Sync now, Inventory → Collect now)' : ''}`,
        );
      }
      await removeStale(path, found.ino);
    }
    throw new DepotError('CONFLICT', `${path}: could not take the data directory lock; try again`);
  }

  /** Remove the lock if it is still ours. */
  async release(): Promise<void> {
    const now = await readFile(this.path, 'utf8').catch(() => undefined);
    if (now === this.content) await rm(this.path, { force: true });
  }
}
