/** One sync of one configured feed, whatever its kind. */
import { createHash } from 'node:crypto';
import type { FeedSpec } from '../feed-config.js';
import type { FeedContent } from '../model.js';
import type { FeedContext, FeedSyncResult } from './adapter.js';
import { syncAptRepo } from './apt-repo.js';
import { parseDebianTracker } from './debian-tracker.js';
import { manifestToContent, readManifest, syncDepotManifest } from './depot-manifest.js';
import { parseOsv } from './osv.js';

const syncDocument = async (
  url: string,
  ctx: FeedContext,
  parse: (body: Uint8Array) => FeedContent,
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
  return {
    status: 'ok',
    content: parse(res.body),
    bytes: res.body.length,
    state: { etag: res.etag, lastModified: res.lastModified, sha256 },
  };
};

export const syncFeed = (spec: FeedSpec, ctx: FeedContext): Promise<FeedSyncResult> => {
  switch (spec.kind) {
    case 'debian-tracker':
      return syncDocument(spec.url, ctx, parseDebianTracker);
    case 'osv':
      return syncDocument(spec.url, ctx, parseOsv);
    case 'apt':
      return syncAptRepo(spec, ctx);
    case 'depot-manifest':
      return syncDepotManifest(spec.url, ctx);
  }
};

/** Parse a feed document that arrived offline (bundle import, CLI file). */
export const parseFeedDocument = (
  kind: 'debian-tracker' | 'osv' | 'depot-manifest',
  body: Uint8Array,
  trustedKeys: string[],
  now: Date,
): FeedContent => {
  switch (kind) {
    case 'debian-tracker':
      return parseDebianTracker(body);
    case 'osv':
      return parseOsv(body);
    case 'depot-manifest': {
      const { manifest, keyId } = readManifest(body, trustedKeys, now);
      return manifestToContent(manifest, keyId);
    }
  }
};
