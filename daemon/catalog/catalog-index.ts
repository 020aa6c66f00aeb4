/**
 * The lookup structure assessment runs against: release -> package name -> fixes, kept apart for
 * source-keyed fixes (Debian tracker, OSV) and binary-keyed ones (apt indexes, manifests), so one
 * host costs one map lookup per installed package instead of a scan of the catalog.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Advisory, Fix } from './model.js';

export interface FixRef {
  feedId: string;
  advisory: Advisory;
  fix: Fix;
}

export interface ReleaseIndex {
  source: Map<string, FixRef[]>;
  binary: Map<string, FixRef[]>;
  /** Binary -> source names learnt from apt Packages indexes of this release. */
  binaryToSource: Map<string, string>;
}

export class CatalogIndex {
  readonly releases = new Map<string, ReleaseIndex>();
  readonly advisories = new Map<string, { feedId: string; advisory: Advisory }>();
  private fixCount = 0;

  constructor(readonly generation: number) {}

  add(feedId: string, advisories: Advisory[]): void {
    for (const advisory of advisories) {
      // Same id from two feeds (a DSA in OSV and in a manifest): both stay, keyed apart.
      const key = this.advisories.has(advisory.id) ? `${feedId}:${advisory.id}` : advisory.id;
      this.advisories.set(key, { feedId, advisory });
      for (const fix of advisory.fixes) {
        if (fix.ecosystem === 'firmware') continue;
        let rel = this.releases.get(fix.release);
        if (!rel) {
          rel = { source: new Map(), binary: new Map(), binaryToSource: new Map() };
          this.releases.set(fix.release, rel);
        }
        if (fix.source !== undefined && fix.packageKind === 'binary')
          rel.binaryToSource.set(fix.package, fix.source);
        const map = fix.packageKind === 'source' ? rel.source : rel.binary;
        const list = map.get(fix.package);
        const ref = { feedId, advisory, fix };
        if (list) list.push(ref);
        else map.set(fix.package, [ref]);
        this.fixCount++;
      }
    }
  }

  get size(): { advisories: number; fixes: number; releases: number } {
    return { advisories: this.advisories.size, fixes: this.fixCount, releases: this.releases.size };
  }
}

const ADVISORIES_PER_TURN = 2000;

/**
 * Build the index a slice at a time, giving the event loop a turn between slices: indexing the
 * full tracker takes most of a second on a Pi, and /healthz must not wait for it.
 */
export const buildIndex = async (
  generation: number,
  feeds: Iterable<readonly [string, Advisory[]]>,
): Promise<CatalogIndex> => {
  const index = new CatalogIndex(generation);
  for (const [feedId, advisories] of feeds) {
    for (let i = 0; i < advisories.length; i += ADVISORIES_PER_TURN) {
      index.add(feedId, advisories.slice(i, i + ADVISORIES_PER_TURN));
      await nextTurn();
    }
  }
  return index;
};
