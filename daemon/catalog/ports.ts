/**
 * The catalog's ports. Feeds are fetched through FeedFetcher (real adapter: undici-feed-fetcher.ts,
 * later routed through the local cache) and apt Release signatures are checked through
 * SignatureVerifier (real adapter: gpgv.ts). Parsing and snapshot logic only see these types.
 */

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
