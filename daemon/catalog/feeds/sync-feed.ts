/** One sync of one configured feed, whatever its kind. */
import type { FeedSpec } from '../feed-config.js';
import type { FeedContent } from '../model.js';
import type { FeedContext, FeedSyncResult } from './adapter.js';
import { syncAptRepo } from './apt-repo.js';
import { parseDebianTracker } from './debian-tracker.js';
import { manifestToContent, readManifest, syncDepotManifest } from './depot-manifest.js';
import { parseOsv } from './osv.js';
import { syncDocument } from './sync-document.js';

export const syncFeed = (spec: FeedSpec, ctx: FeedContext): Promise<FeedSyncResult> => {
  switch (spec.kind) {
    case 'debian-tracker':
      return syncDocument(spec.url, ctx, (body) => ({ content: parseDebianTracker(body) }));
    case 'osv':
      return syncDocument(spec.url, ctx, (body) => ({ content: parseOsv(body) }));
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
