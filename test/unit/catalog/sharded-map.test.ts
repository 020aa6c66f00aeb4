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
