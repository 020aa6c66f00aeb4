/**
 * The cache's ports: the upstream HTTP client and the clock. The real adapters are
 * `undici-upstream.ts` and `systemClock`; tests drive the logic with fakes from test/fakes/.
 * The blob store works on the real filesystem under a root directory: its tests use temp dirs.
 */

export interface UpstreamRequest {
  url: string;
  method: 'GET' | 'HEAD';
  /** Lower-case header names: range, if-range, if-none-match, if-modified-since. */
  headers: Record<string, string>;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The body as it arrives; an error thrown mid-way means the connection dropped. */
  body: AsyncIterable<Uint8Array>;
  /** Release the connection when the body is not read to the end. */
  discard(): void;
}

export interface Upstream {
  /**
   * Rejects with a DepotError when the failure is final (a redirect outside the allow-list): it is
   * not retried. Any other error counts as a dropped connection and is retried.
   */
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
}

// The cache uses the daemon's one Clock port.
export { type Clock, systemClock } from '../lifecycle.js';
