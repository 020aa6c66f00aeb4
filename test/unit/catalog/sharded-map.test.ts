import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShardedMap } from '../../../daemon/catalog/sharded-map.js';

test('a sharded map answers as a Map before and after it splits, string and number keys alike', () => {
  for (const make of [(i: number) => `CVE-2024-${i}`, (i: number) => i * 7]) {
    const map = new ShardedMap<string | number, number>();
    const plain = new Map<string | number, number>();
    for (let i = 0; i < 1000; i++) {
      map.set(make(i), i);
      plain.set(make(i), i);
    }
    assert.deepEqual([...map.entries()], [...plain.entries()], 'one Map until it splits: insertion order');
    for (let i = 1000; i < 200_000; i++) {
      map.set(make(i), i);
      plain.set(make(i), i);
    }
    map.set(make(5), -5);
    plain.set(make(5), -5);
    assert.equal(map.size, plain.size);
    for (let i = 0; i < 200_000; i += 997) {
      assert.equal(map.get(make(i)), plain.get(make(i)));
      assert.ok(map.has(make(i)));
    }
    assert.equal(map.get('absent'), undefined);
    assert.equal(map.has(-1), false);
    const entries = [...map.entries()];
    assert.equal(entries.length, plain.size);
    assert.deepEqual(new Map(entries), plain);
  }
});

/** The fixed hash the map used to split by: an upstream could pick keys of one piece. */
const fixedPiece = (key: string): number => {
  let h = key.length;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return (h ^ (h >>> 6)) & 63;
};

test('keys an upstream picked to share one piece spread over all of them: the split is seeded, not fixed', () => {
  // Every 64th CVE number fell in piece 0: 2,000,000 of them grew that piece as one Map did, and
  // V8 aborted a 96 MiB feed worker (the daemon with it) where evenly spread keys were a feed error.
  const keys: string[] = [];
  for (let n = 1_000_000; keys.length < 150_000; n++)
    if (fixedPiece(`CVE-2024-${n}`) === 0) keys.push(`CVE-2024-${n}`);
  const a = new ShardedMap<string, true>();
  const b = new ShardedMap<string, true>();
  for (const k of keys) {
    a.set(k, true);
    b.set(k, true);
  }
  const sizes = a.pieceSizes();
  assert.equal(sizes.length, 64);
  assert.equal(a.size, keys.length);
  assert.ok(
    Math.max(...sizes) < (2 * keys.length) / 64,
    `largest piece ${Math.max(...sizes)} of ${keys.length}`,
  );
  assert.notDeepEqual(b.pieceSizes(), sizes, 'each map draws its own seed');
  for (const k of keys.slice(0, 1000)) assert.ok(a.has(k) && b.get(k));
});
