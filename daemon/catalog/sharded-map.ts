/**
 * A Map that splits into 64 smaller ones, by a hash of the key, once it holds 65,536 keys. A
 * feed's tables (its CVEs, package names, versions) can hold millions of keys from a hostile
 * upstream, and one Map's table is one allocation that doubles as it grows: tens of MB at once,
 * past what the feed worker's heap limit can stop (V8 gives a worker 16 MB of leeway, then aborts
 * the whole process: the daemon). Split, no table outgrows a few MB, and the worker runs out of
 * memory gradually instead, which its limit turns into a feed error. V8 also caps one Map at 2^24
 * keys ("Map maximum size exceeded"); 64 of them hold more than a feed's size limit allows.
 * Until it splits it is one Map, in insertion order; after, `entries()` goes piece by piece.
 *
 * The hash is seeded at random when the map splits: with a fixed hash an upstream could list only
 * keys of one piece (every 64th CVE number), that piece grew as one Map did, and V8 aborted the
 * daemon again (2,000,000 such CVEs at catalog.workerMemoryMB 96).
 */
import { randomInt } from 'node:crypto';

const SHARDS = 64;
const SPLIT_AT = 1 << 16;

/** A seeded mix of the key's characters: which piece a key lands in cannot be told from outside. */
const shardOf = (key: string | number, seed: number): number => {
  let h: number;
  if (typeof key === 'number') h = Math.imul(key ^ seed, 0x9e3779b1);
  else {
    h = seed ^ key.length;
    for (let i = 0; i < key.length; i++) {
      h = Math.imul(h ^ key.charCodeAt(i), 0x5bd1e995);
      h ^= h >>> 13;
    }
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12) ^ (h >>> 26)) & (SHARDS - 1);
};

export class ShardedMap<K extends string | number, V> {
  private one: Map<K, V> | undefined = new Map<K, V>();
  private shards: Map<K, V>[] = [];
  private seed = 0;

  private mapOf(key: K): Map<K, V> {
    return this.one ?? this.shards[shardOf(key, this.seed)]!;
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

  /** How many keys each piece holds (one number until it splits). */
  pieceSizes(): number[] {
    return this.one ? [this.one.size] : this.shards.map((m) => m.size);
  }

  *entries(): Generator<[K, V]> {
    if (this.one) yield* this.one;
    else for (const m of this.shards) yield* m;
  }

  private split(one: Map<K, V>): void {
    this.seed = randomInt(2 ** 31) | 0;
    this.shards = Array.from({ length: SHARDS }, () => new Map<K, V>());
    for (const [k, v] of one) this.shards[shardOf(k, this.seed)]!.set(k, v);
    this.one = undefined;
  }
}
