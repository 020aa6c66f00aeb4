/** What the cache resolved a request to (CacheService.resolve). */
import type { FileHandle } from 'node:fs/promises';
import type { CacheEntry } from './cache-index.js';
import type { Download } from './download.js';

/** What a request resolved to: bytes on disk, or a download to follow. */
export type Resolved =
  | {
      kind: 'hit';
      entry: CacheEntry;
      handle: FileHandle;
      stale: boolean;
      /** Close the handle and let eviction have the blob again; call exactly once. */
      release(): Promise<void>;
    }
  | {
      kind: 'download';
      download: Download;
      joined: boolean;
      /** Stop holding the download's file open (after attaching a reader); call exactly once. */
      release(): Promise<void>;
    };
