/**
 * Sync a feed that is one document at one URL: conditional GET, then a SHA-256 check so a server
 * without ETag/Last-Modified still costs no re-parse when nothing changed, then the kind's parser.
 */
import { createHash } from 'node:crypto';
import type { FeedContent } from '../model.js';
import type { FeedContext, FeedState, FeedSyncResult } from './adapter.js';

/** A parsed document, plus any state the kind keeps between syncs (a manifest's sequence). */
export interface ParsedDocument {
  content: FeedContent;
  state?: Partial<FeedState>;
}

export const syncDocument = async (
  url: string,
  ctx: FeedContext,
  parse: (body: Uint8Array) => ParsedDocument,
): Promise<FeedSyncResult> => {
  ctx.progress?.('downloading');
  const res = await ctx.fetcher.fetch({
    url,
    etag: ctx.previous?.etag,
    lastModified: ctx.previous?.lastModified,
    maxBytes: ctx.maxBytes,
    signal: ctx.signal,
  });
  if (res.status === 'not-modified') return { status: 'not-modified' };
  const sha256 = createHash('sha256').update(res.body).digest('hex');
  if (sha256 === ctx.previous?.sha256) return { status: 'not-modified' };
  ctx.progress?.(`validating ${res.body.length} bytes`);
  const parsed = parse(res.body);
  return {
    status: 'ok',
    content: parsed.content,
    bytes: res.body.length,
    state: { etag: res.etag, lastModified: res.lastModified, sha256, ...parsed.state },
  };
};
