import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packHostIds } from '../../../daemon/assess/host-ids.js';

test('a packed host set holds each host once, in site order, whatever order and repeats it was given', () => {
  const ids = ['h-a', 'h-b', 'h-c', 'h-d'];
  const set = packHostIds(ids, [3, 1, 3, 0, 1, 1]);
  assert.equal(set.size, 3);
  assert.deepEqual([...set], ['h-a', 'h-b', 'h-d']);
  assert.deepEqual([...packHostIds(ids, [])], []);
  assert.equal(packHostIds(ids, []).size, 0);
});

test('a site of more than 65,535 hosts keeps every index whole', () => {
  const ids = Array.from({ length: 70_000 }, (_, i) => `h-${i}`);
  const set = packHostIds(ids, [69_999, 65_536, 5, 65_536]);
  assert.deepEqual([...set], ['h-5', 'h-65536', 'h-69999']);
});
