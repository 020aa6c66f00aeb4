/**
 * Content-addressed blobs on disk: `blobs/ab/<sha256>`. Bytes are written to `tmp/` first and
 * renamed into place only after they are complete, fsynced and their hash is known (and matched the
 * expected one when there was one), so a blob path always holds whole, verified bytes. `tmp/` is
 * emptied at start: after kill -9 a half-written download is simply gone.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { DepotError } from '../errors.js';
import { fsyncDir } from '../store/atomic-file.js';

const SHA_RE = /^[0-9a-f]{64}$/;

export const assertSha256 = (sha: string): string => {
  if (!SHA_RE.test(sha)) throw new DepotError('BAD_INPUT', `not a sha256 digest: ${sha.slice(0, 80)}`);
  return sha;
};

/** Turn ENOSPC/EDQUOT into an error a technician can act on; other errors pass through. */
export const diskError = (err: unknown, what: string): unknown => {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DepotError(
      'UNAVAILABLE',
      `cache disk is full while ${what}: free space on the cache volume or lower cache.quotaMB`,
      { cause: err },
    );
  }
  return err;
};

export interface TempBlob {
  path: string;
  handle: FileHandle;
}

export class BlobStore {
  readonly blobDir: string;
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.blobDir = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
  }

  async start(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true, mode: 0o750 });
    // Whatever is in tmp/ belonged to a process that is gone: never resume from unverified bytes.
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true, mode: 0o750 });
  }

  path(sha: string): string {
    assertSha256(sha);
    return join(this.blobDir, sha.slice(0, 2), sha);
  }

  async createTemp(): Promise<TempBlob> {
    const path = join(this.tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}.part`);
    try {
      return { path, handle: await open(path, 'w+', 0o640) };
    } catch (err) {
      throw diskError(err, 'creating a download file');
    }
  }

  /**
   * Make a finished temp file visible as blob `sha`. The caller has written and verified it; the
   * handle stays open (readers may still use it) and is the caller's to close.
   */
  async commit(temp: TempBlob, sha: string): Promise<void> {
    const target = this.path(sha);
    try {
      await temp.handle.sync();
      await mkdir(join(this.blobDir, sha.slice(0, 2)), { recursive: true, mode: 0o750 });
      // Same content already stored under another URL: keep the existing file (dedupe).
      if (await this.has(sha)) {
        await rm(temp.path, { force: true });
        return;
      }
      await rename(temp.path, target);
      await fsyncDir(join(this.blobDir, sha.slice(0, 2)));
    } catch (err) {
      await rm(temp.path, { force: true });
      throw diskError(err, 'storing a download');
    }
  }

  async discard(temp: TempBlob): Promise<void> {
    await rm(temp.path, { force: true });
  }

  async has(sha: string): Promise<boolean> {
    try {
      return (await stat(this.path(sha))).isFile();
    } catch {
      return false;
    }
  }

  async size(sha: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(sha))).size;
    } catch {
      return undefined;
    }
  }

  async remove(sha: string): Promise<void> {
    await rm(this.path(sha), { force: true });
  }

  /** Every stored blob and its size (start-up reconciliation with the index). */
  async list(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const prefix of await readdir(this.blobDir)) {
      const dir = join(this.blobDir, prefix);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!SHA_RE.test(name) || name.slice(0, 2) !== prefix) {
          // Not something this store wrote (or misplaced by hand): it can never be served.
          await rm(join(dir, name), { force: true, recursive: true });
          continue;
        }
        try {
          out.set(name, (await stat(join(dir, name))).size);
        } catch {
          // vanished meanwhile
        }
      }
    }
    return out;
  }

  /** Free bytes on the cache volume. */
  async free(): Promise<number> {
    const s = await statfs(this.root);
    return s.bavail * s.bsize;
  }
}
