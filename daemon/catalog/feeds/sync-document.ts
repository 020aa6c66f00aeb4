/**
 * Sync a feed that is one document at one URL: conditional GET, then the feed parser (a worker
 * thread) hashes it, so a server without ETag/Last-Modified still costs no re-parse when nothing
 * changed, and parses it with the kind's adapter.
 */
import type { DocumentRequest } from '../ports.js';
import type { FeedContext, FeedSyncResult } from './adapter.js';

export const syncDocument = async (
  url: string,
  kind: DocumentRequest['kind'],
  ctx: FeedContext,
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
  const bytes = res.body.length;
  ctx.progress?.(`validating ${bytes} bytes`);
  const parsed = await ctx.parser.document(
    {
      kind,
      body: res.body,
      previousSha256: ctx.previous?.sha256,
      previousSequence: ctx.previous?.sequence,
      trustedKeys: ctx.trustedKeys,
      now: ctx.now(),
      maxUnpackedBytes: ctx.maxUnpackedBytes,
    },
    ctx.signal,
  );
  if (parsed.unchanged) return { status: 'not-modified' };
  const state = { etag: res.etag, lastModified: res.lastModified, sha256: parsed.sha256 };
  return {
    status: 'ok',
    content: parsed.content,
    bytes,
    state: parsed.sequence === undefined ? state : { ...state, sequence: parsed.sequence },
  };
};
