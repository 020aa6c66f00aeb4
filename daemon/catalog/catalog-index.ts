/**
 * The lookup structure assessment runs against: release -> package name -> fixes, kept apart for
 * source-keyed fixes (Debian tracker, OSV) and binary-keyed ones (apt indexes, manifests), so one
 * host costs one map lookup per installed package instead of a scan of the catalog.
 *
 * Built over packed feeds (packed-feed.ts) and filled in as it is read: adding a feed walks its
 * few thousand (release, kind, package) groups, a release's package names are read on its first
 * lookup, and a package's fixes become objects the first time an assessment asks for them. A
 * restart then loads the catalog in the time it takes to read the saved index, and only the
 * fixes of packages a site has installed are ever made into objects.
 */
import { AdvisoryLookup, FixLists, type FixLookup, type FixRef, SourceNames } from './fix-lookup.js';
import type { Advisory } from './model.js';
import { packFeed } from './pack-feed.js';
import type { PackedFeed } from './packed-feed.js';

export type { FixLookup, FixRef } from './fix-lookup.js';

export interface ReleaseIndex {
  source: FixLookup<FixRef[]>;
  binary: FixLookup<FixRef[]>;
  /** Binary -> source names learnt from apt Packages indexes of this release. */
  binaryToSource: FixLookup<string>;
}

export class CatalogIndex {
  readonly releases = new Map<string, ReleaseIndex>();
  /** Advisory id -> advisory; the same id from a second feed is keyed `<feed>:<id>`. */
  readonly advisories = new AdvisoryLookup();
  private fixCount = 0;

  constructor(readonly generation: number) {}

  /** Index advisories given as objects (tests, the CLI): they are packed first. */
  add(feedId: string, advisories: Advisory[]): void {
    this.addPacked(feedId, packFeed({ advisories }));
  }

  addPacked(feedId: string, feed: PackedFeed): void {
    this.advisories.add(feedId, feed);
    const byRelease = new Map<number, ReleaseIndex>();
    for (let g = 0; g < feed.groupCount; g++) {
      const group = feed.group(g);
      let rel = byRelease.get(group.release);
      if (!rel) {
        rel = this.release(feed.string(group.release));
        byRelease.set(group.release, rel);
      }
      (rel[group.kind] as FixLists).add(feedId, feed, g);
      this.fixCount += group.to - group.from;
    }
    for (const rel of byRelease.values()) (rel.binaryToSource as SourceNames).refresh();
  }

  /**
   * Drop what lookups made from the packed feeds (an assessment asks for every installed
   * package's fixes, and so for thousands of advisories and their strings): at 5,000 hosts that
   * held megabytes between assessments, which make it again anyway. Lookups after this make
   * fresh objects; only the names they are keyed by stay.
   */
  forgetMade(): void {
    for (const rel of this.releases.values()) {
      (rel.source as FixLists).forget();
      (rel.binary as FixLists).forget();
    }
    this.advisories.forget();
    this.advisories.forgetFeeds();
  }

  private release(name: string): ReleaseIndex {
    let rel = this.releases.get(name);
    if (!rel) {
      const binary = new FixLists();
      rel = { source: new FixLists(), binary, binaryToSource: new SourceNames(binary) };
      this.releases.set(name, rel);
    }
    return rel;
  }

  get size(): { advisories: number; fixes: number; releases: number } {
    return { advisories: this.advisories.count, fixes: this.fixCount, releases: this.releases.size };
  }
}

/**
 * The index of these feeds. Indexing a packed feed walks its groups only (a few thousand for the
 * full tracker), so this no longer needs to yield to the event loop between slices.
 */
export const buildIndex = async (
  generation: number,
  feeds: Iterable<readonly [string, PackedFeed]>,
): Promise<CatalogIndex> => {
  const index = new CatalogIndex(generation);
  for (const [feedId, feed] of feeds) index.addPacked(feedId, feed);
  return index;
};
