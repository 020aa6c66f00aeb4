/**
 * The catalog's ports. Feeds are fetched through FeedFetcher (real adapter: undici-feed-fetcher.ts,
 * later routed through the local cache) and apt Release signatures are checked through
 * SignatureVerifier (real adapter: gpgv.ts); big documents are parsed through FeedParser (real
 * adapter: a worker thread). Parsing and snapshot logic only see these types.
 */
import type { Bundle } from './bundle-manifest.js';
import type { AptIndexesRequest } from './feeds/apt-packages.js';
import type { FeedContent, Snapshot } from './model.js';
import type { ParsedContent } from './parsed-content.js';

export interface FeedRequest {
  url: string;
  /** Validators from the last good fetch: an unchanged feed answers 304 and costs a few bytes. */
  etag?: string | undefined;
  lastModified?: string | undefined;
  /** Refuse bodies larger than this (a feed is never allowed to fill the SD card). */
  maxBytes: number;
  signal?: AbortSignal | undefined;
}

export type FeedResponse =
  | { status: 'not-modified' }
  | {
      status: 'ok';
      /** A buffer of its own for the caller, who may hand it over to the FeedParser. */
      body: Uint8Array;
      etag?: string | undefined;
      lastModified?: string | undefined;
    };

export interface FeedFetcher {
  /** Resolves with the body or `not-modified`; throws a DepotError('UNAVAILABLE') otherwise. */
  fetch(req: FeedRequest): Promise<FeedResponse>;
  /** Release connections (called once when the catalog service stops). */
  close?(): Promise<void>;
}

export interface SignatureVerifier {
  /**
   * Verify an OpenPGP clear-signed document (InRelease) against `keyring` and return the signed
   * text. Throws DepotError('BAD_INPUT') naming the reason when the signature does not verify.
   */
  verifyClearsigned(document: Uint8Array, keyring: string): Promise<{ text: string; signer: string }>;
}

/** What a feed document is parsed with: the signing keys, the time, the caps, the last state. */
export interface DocumentContext {
  trustedKeys: string[];
  now: Date;
  /** Most a zip dump may inflate to (`catalog.maxUnpackedMB`). */
  maxUnpackedBytes: number;
  /** Signed manifests: the highest sequence accepted so far (older ones are replays). */
  previousSequence?: number | undefined;
}

export interface DocumentRequest extends DocumentContext {
  kind: 'debian-tracker' | 'osv' | 'depot-manifest';
  /** Handed over: its memory may move to the worker, so the caller must not use it afterwards. */
  body: Uint8Array;
  /** The last document's SHA-256: the same bytes again are not parsed. */
  previousSha256?: string | undefined;
}

export type DocumentResult =
  | { sha256: string; unchanged: true }
  | { sha256: string; unchanged: false; content: ParsedContent; sequence?: number | undefined };

export interface BundleRequest {
  /** Handed over like DocumentRequest.body. */
  zip: Uint8Array;
  trustedKeys: string[];
  now: Date;
  /** Largest feed document in the bundle (`catalog.maxFeedMB`). */
  maxFeedBytes: number;
  /** Most the whole bundle may inflate to (`catalog.maxUnpackedMB`). */
  maxUnpackedBytes: number;
}

/**
 * Parses feed documents, bundles and stored snapshots away from the event loop, so a big feed
 * never freezes the UI (real adapter: worker-feed-parser.ts, one worker thread per task).
 */
export interface FeedParser {
  /** SHA-256 of the document and, unless it equals `previousSha256`, its parsed content. */
  document(req: DocumentRequest, signal?: AbortSignal): Promise<DocumentResult>;
  /** Verify and parse a signed offline bundle, all of it or nothing. */
  bundle(req: BundleRequest, signal?: AbortSignal): Promise<Bundle>;
  /** The fixes a repository's verified, decompressed apt indexes hold (their bytes handed over). */
  aptIndexes(req: AptIndexesRequest, signal?: AbortSignal): Promise<{ content: FeedContent }>;
  /** A feed's stored snapshot, or undefined when it has none; STORE_CORRUPT when unreadable. */
  snapshot(feedsDir: string, feedId: string, signal?: AbortSignal): Promise<Snapshot | undefined>;
}
