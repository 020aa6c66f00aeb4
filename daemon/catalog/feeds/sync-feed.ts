/** One sync of one configured feed, whatever its kind. */
import type { FeedSpec } from '../feed-config.js';
import type { FeedContext, FeedSyncResult } from './adapter.js';
import { syncAptRepo } from './apt-repo.js';
import { syncDocument } from './sync-document.js';

export const syncFeed = (spec: FeedSpec, ctx: FeedContext): Promise<FeedSyncResult> =>
  spec.kind === 'apt' ? syncAptRepo(spec, ctx) : syncDocument(spec.url, spec.kind, ctx);
