/**
 * What parsing a feed gives: advisory objects, or packed columns already. Kept out of model.ts,
 * which the packed feed itself reads (the two would import each other).
 */
import type { FeedContent } from './model.js';
import type { PackedFeed } from './packed-feed.js';

/**
 * A feed as parsed: advisory objects, or packed columns already (the Debian tracker is packed as it
 * is parsed: its fixes never become objects).
 */
export type ParsedContent = FeedContent | PackedFeed;

/** One feed document parsed and validated. */
export interface ParsedDocument {
  content: ParsedContent;
  /** Signed manifests: the sequence to remember, so an older one is refused as a replay. */
  sequence?: number | undefined;
}
