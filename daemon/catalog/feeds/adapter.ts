/** The contract every feed adapter fulfils for the sync service. */
import type { FeedContent } from '../model.js';
import type { FeedFetcher, FeedParser, SignatureVerifier } from '../ports.js';

/** What a feed remembers between syncs: HTTP validators and, for apt, the trusted Release date. */
export interface FeedState {
  etag?: string | undefined;
  lastModified?: string | undefined;
  releaseDate?: string | undefined;
  /**
   * SHA-256 of the last document (InRelease for apt): servers without ETag/Last-Modified still
   * cost only that download when nothing changed.
   */
  sha256?: string | undefined;
  /** Signed manifests: the highest sequence accepted so far (older ones are replays). */
  sequence?: number | undefined;
}

export type FeedSyncResult =
  | { status: 'not-modified' }
  | { status: 'ok'; content: FeedContent; state: FeedState; bytes: number };

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
