/**
 * A parsed feed's advisories packed into columns (packed-feed.ts) through the one packer
 * (feed-packer.ts): strings that repeat (releases, packages, versions, URL prefixes) once, every
 * fix eight integers, and the fixes grouped by (release, kind, package) for the catalog index.
 * The Debian tracker parser writes into the packer directly; every other feed comes through here.
 */
import { FeedPacker } from './feed-packer.js';
import type { FeedContent } from './model.js';
import { PackedFeed } from './packed-feed.js';
import type { ParsedContent } from './parsed-content.js';

export const packFeed = (content: FeedContent): PackedFeed => {
  const packer = new FeedPacker();
  for (const a of content.advisories) {
    const n = packer.advisory(a);
    for (const fix of a.fixes) packer.fix(n, fix);
  }
  return packer.finish({ files: content.files, note: content.note });
};

/** A parsed feed packed, unless it came packed already. */
export const asPacked = (content: ParsedContent): PackedFeed =>
  content instanceof PackedFeed ? content : packFeed(content);
