/**
 * Re-hash every blob once after start, in the background: start-up only checks sizes, and a blob
 * damaged in place (power loss, a worn SD card) must not be served. Damaged ones are dropped and
 * fetched again on the next request.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Logger } from '../log.js';
import type { BlobStore } from './blob-store.js';
import type { CacheIndex } from './cache-index.js';
import type { Quota } from './quota.js';

export const scrubBlobs = async (
  index: CacheIndex,
  blobs: BlobStore,
  quota: Quota,
  log: Logger,
  signal: AbortSignal,
): Promise<void> => {
  let damaged = 0;
  for (const e of index.all()) {
    if (signal.aborted) return;
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(blobs.path(e.sha256), { signal }))
        hash.update(chunk as Buffer);
    } catch (err) {
      if (signal.aborted) return;
      // Evicted or replaced since the scrub began: nothing to check.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (hash.digest('hex') === e.sha256) continue;
    damaged++;
    log.warn('cached file damaged on disk; dropped, it will be fetched again', { url: e.url });
    for (const other of index.all()) if (other.sha256 === e.sha256) index.delete(other.url);
    await quota.dropBlobIfUnused(e.sha256);
  }
  log.info('cache scrub done', { entries: index.size, damaged });
};
