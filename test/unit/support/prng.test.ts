import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../support/prng.js';

test('the PRNG gives the same sequence for a seed on every machine (mulberry32)', () => {
  const r = new Rng(1); // mulberry32(1): 0.627..., 0.0027..., 0.527...
  assert.deepEqual([r.int(1000), r.int(1000), r.int(1000)], [627, 2, 527]);
  assert.deepEqual(new Rng(7).bytes(10), new Rng(7).bytes(10));
  assert.notDeepEqual(new Rng(7).bytes(10), new Rng(8).bytes(10));
});

test('int excludes its bound, between includes both ends, bytes has the length asked', () => {
  const r = new Rng(99);
  const ints = new Set(Array.from({ length: 2000 }, () => r.int(3)));
  assert.deepEqual([...ints].sort(), [0, 1, 2]);
  const betweens = new Set(Array.from({ length: 2000 }, () => r.between(-1, 1)));
  assert.deepEqual([...betweens].sort(), [-1, 0, 1]);
  for (const n of [0, 1, 3, 4, 5, 1000]) assert.equal(r.bytes(n).length, n);
  assert.equal(r.pick(['only']), 'only');
});
