/** The contract every feed adapter fulfils for the sync service. */
import type { FeedState } from '../model.js';
import type { ParsedContent } from '../parsed-content.js';

export type { FeedState } from '../model.js';

import type { FeedFetcher, FeedParser, SignatureVerifier } from '../ports.js';

export type FeedSyncResult<C extends ParsedContent = ParsedContent> =
  | { status: 'not-modified' }
  | { status: 'ok'; content: C; state: FeedState; bytes: number };

export interface FeedContext {
  fetcher: FeedFetcher;
  verifier: SignatureVerifier;
  /** Parses documents off the event loop (a worker thread). */
  parser: FeedParser;
  now: () => Date;
  /** Largest single download a feed may make. */
  maxBytes: number;
  /** Most a compressed document or index may expand to (`catalog.maxUnpackedMB`). */
  maxUnpackedBytes: number;
  /** Ed25519 public keys (PEM or base64 raw) trusted for Patch Depot manifests and bundles. */
  trustedKeys: string[];
  previous?: FeedState | undefined;
  signal?: AbortSignal | undefined;
  progress?: (message: string) => void;
}
