/**
 * The lookups of the catalog index (catalog-index.ts), read-only maps filled in as they are read:
 * names are read from the packed feeds on a lookup's first use, and values are made (and kept)
 * the first time each is asked for.
 */
import type { Advisory, Fix } from './model.js';
import type { PackedFeed } from './packed-feed.js';

export interface FixRef {
  feedId: string;
  advisory: Advisory;
  fix: Fix;
}

/** What the index's maps offer: a read-only map by name. */
export interface FixLookup<V> extends Iterable<[string, V]> {
  get(name: string): V | undefined;
  has(name: string): boolean;
  readonly size: number;
  keys(): IterableIterator<string>;
}

/** Base of the lookups: a name -> where map built on first use, values made on demand. */
abstract class Lazy<W, V> implements FixLookup<V> {
  private where: Map<string, W> | undefined;
  private readonly made = new Map<string, V>();

  protected abstract locate(): Map<string, W>;
  protected abstract make(where: W, name: string): V;

  /** Call when what the lookup is built from grows. */
  protected changed(): void {
    this.where = undefined;
    this.made.clear();
  }

  /** Drop the values made so far (they are made again on next use); the names stay indexed. */
  forget(): void {
    this.made.clear();
  }

  private byName(): Map<string, W> {
    this.where ??= this.locate();
    return this.where;
  }

  get(name: string): V | undefined {
    let v = this.made.get(name);
    if (v !== undefined) return v;
    const where = this.byName().get(name);
    if (where === undefined) return undefined;
    v = this.make(where, name);
    this.made.set(name, v);
    return v;
  }

  has(name: string): boolean {
    return this.byName().has(name);
  }

  get size(): number {
    return this.byName().size;
  }

  keys(): IterableIterator<string> {
    return this.byName().keys();
  }

  *[Symbol.iterator](): Iterator<[string, V]> {
    for (const name of this.byName().keys()) yield [name, this.get(name)!];
  }
}

interface Group {
  feedId: string;
  feed: PackedFeed;
  group: number;
}

/** Package name -> its fixes in one release, of one kind (source or binary), in feed order. */
export class FixLists extends Lazy<Group[], FixRef[]> {
  readonly groups: Group[] = [];

  add(feedId: string, feed: PackedFeed, group: number): void {
    this.groups.push({ feedId, feed, group });
    this.changed();
  }

  protected locate(): Map<string, Group[]> {
    const out = new Map<string, Group[]>();
    for (const g of this.groups) {
      const name = g.feed.string(g.feed.group(g.group).pkg);
      const list = out.get(name);
      if (list) list.push(g);
      else out.set(name, [g]);
    }
    return out;
  }

  protected make(groups: Group[]): FixRef[] {
    const refs: FixRef[] = [];
    for (const { feedId, feed, group } of groups)
      for (const f of feed.groupFixes(group)) {
        const { advisory, fix } = feed.fixRef(f);
        refs.push({ feedId, advisory, fix });
      }
    return refs;
  }
}

/** Binary -> source names of one release, from the binary-keyed fixes that name a source. */
export class SourceNames extends Lazy<string, string> {
  constructor(private readonly binary: FixLists) {
    super();
  }

  protected locate(): Map<string, string> {
    const out = new Map<string, string>();
    for (const { feed, group } of this.binary.groups) {
      const name = feed.string(feed.group(group).pkg);
      for (const f of feed.groupFixes(group)) {
        const source = feed.fixSource(f);
        if (source !== undefined) out.set(name, source);
      }
    }
    return out;
  }

  protected make(source: string): string {
    return source;
  }

  /** The release's binary fixes grew: read the names again on next use. */
  refresh(): void {
    this.changed();
  }
}

/** Advisory id -> the advisory and its feed; the same id from a later feed is `<feed>:<id>`. */
export class AdvisoryLookup extends Lazy<[number, number], { feedId: string; advisory: Advisory }> {
  private readonly feeds: { feedId: string; feed: PackedFeed }[] = [];

  add(feedId: string, feed: PackedFeed): void {
    this.feeds.push({ feedId, feed });
    this.changed();
  }

  /** Drop the strings and advisories the packed feeds made (see CatalogIndex.forgetMade). */
  forgetFeeds(): void {
    for (const { feed } of this.feeds) feed.forget();
  }

  /** Advisories in all feeds, without reading their ids. */
  get count(): number {
    return this.feeds.reduce((n, f) => n + f.feed.count, 0);
  }

  protected locate(): Map<string, [number, number]> {
    const out = new Map<string, [number, number]>();
    this.feeds.forEach(({ feedId, feed }, i) => {
      for (let a = 0; a < feed.count; a++) {
        const id = feed.advisoryId(a);
        out.set(out.has(id) ? `${feedId}:${id}` : id, [i, a]);
      }
    });
    return out;
  }

  protected make([i, a]: [number, number]): { feedId: string; advisory: Advisory } {
    const { feedId, feed } = this.feeds[i]!;
    return { feedId, advisory: feed.advisory(a) };
  }
}
