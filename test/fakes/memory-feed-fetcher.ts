/**
 * In-memory FeedFetcher for catalog unit tests: URLs map to bodies with an ETag; a request
 * carrying the current ETag gets `not-modified`, unknown URLs fail like an HTTP 404.
 */
import type { FeedFetcher, FeedRequest, FeedResponse } from '../../daemon/catalog/ports.js';
import { DepotError } from '../../daemon/errors.js';

export class MemoryFeedFetcher implements FeedFetcher {
  private readonly docs = new Map<string, { body: Uint8Array; etag: string }>();
  readonly requests: FeedRequest[] = [];

  set(url: string, body: Uint8Array | string, etag = `"${this.docs.size + 1}"`): void {
    this.docs.set(url, { body: typeof body === 'string' ? Buffer.from(body) : body, etag });
  }

  async fetch(req: FeedRequest): Promise<FeedResponse> {
    this.requests.push(req);
    const doc = this.docs.get(req.url);
    if (!doc) throw new DepotError('UNAVAILABLE', `${req.url}: HTTP 404`);
    if (req.etag === doc.etag) return { status: 'not-modified' };
    if (doc.body.length > req.maxBytes) throw new DepotError('UNAVAILABLE', `${req.url}: over the limit`);
    // A copy, as a real fetch makes: the caller may hand it over to a worker thread.
    return { status: 'ok', body: new Uint8Array(doc.body), etag: doc.etag };
  }
}
