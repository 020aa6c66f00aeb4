/**
 * A Map that splits into 64 smaller ones, by a hash of the key, once it holds 65,536 keys. A
 * feed's tables (its CVEs, package names, versions) can hold millions of keys from a hostile
 * upstream, and one Map's table is one allocation that doubles as it grows: tens of MB at once,
 * past what the feed worker's heap limit can stop (V8 gives a worker 16 MB of leeway, then aborts
 * the whole process: the daemon). Split, no table outgrows a few MB, and the worker runs out of
 * memory gradually instead, which its limit turns into a feed error. V8 also caps one Map at 2^24
 * keys ("Map maximum size exceeded"); 64 of them hold more than a feed's size limit allows.
 * Until it splits it is one Map, in insertion order; after, `entries()` goes piece by piece.
 */
const SHARDS = 64;
const SPLIT_AT = 1 << 16;

const shardOf = (key: string | number): number => {
  if (typeof key === 'number') return (key ^ (key >>> 6)) & (SHARDS - 1);
  let h = key.length;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return (h ^ (h >>> 6)) & (SHARDS - 1);
};

export class ShardedMap<K extends string | number, V> {
  private one: Map<K, V> | undefined = new Map<K, V>();
  private shards: Map<K, V>[] = [];

  private mapOf(key: K): Map<K, V> {
    return this.one ?? this.shards[shardOf(key)]!;
  }

  get(key: K): V | undefined {
    return this.mapOf(key).get(key);
  }

  has(key: K): boolean {
    return this.mapOf(key).has(key);
  }

  set(key: K, value: V): this {
    const map = this.mapOf(key);
    map.set(key, value);
    if (map === this.one && map.size > SPLIT_AT) this.split(map);
    return this;
  }

  get size(): number {
    if (this.one) return this.one.size;
    let n = 0;
    for (const m of this.shards) n += m.size;
    return n;
  }

  *entries(): Generator<[K, V]> {
    if (this.one) yield* this.one;
    else for (const m of this.shards) yield* m;
  }

  private split(one: Map<K, V>): void {
    this.shards = Array.from({ length: SHARDS }, () => new Map<K, V>());
    for (const [k, v] of one) this.shards[shardOf(k)]!.set(k, v);
    this.one = undefined;
  }
}
