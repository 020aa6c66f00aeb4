import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile } from '../../../bench/percentile.js';

test('percentile is nearest-rank: p95 of 20 samples is the 19th, not the largest', () => {
  const xs = Array.from({ length: 20 }, (_, i) => 20 - i); // 20 .. 1, unsorted input
  assert.equal(percentile(xs, 95), 19);
  assert.equal(percentile(xs, 50), 10);
  assert.equal(percentile(xs, 100), 20);
  assert.equal(percentile(xs, 0), 1);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(xs[0], 20, 'the input is not sorted in place');
});
