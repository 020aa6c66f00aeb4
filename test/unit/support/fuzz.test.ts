import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzSeed, generateHttpInputs, Rng } from '../../support/fuzz.js';

const targets = { hosts: ['127.0.0.1:1', 'localhost:2'], paths: ['/a', '/b/c'] };

test('a seed replays the same inputs; another seed gives others', () => {
  const a = [...generateHttpInputs(42, 300, targets)];
  const b = [...generateHttpInputs(42, 300, targets)];
  const c = [...generateHttpInputs(43, 300, targets)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const kinds = new Set(a.map((i) => i.kind));
  for (const k of ['random', 'brokenLine', 'headerFlood', 'connect', 'smuggling', 'truncated', 'pipelined'])
    assert.ok(kinds.has(k), `${k} among 300 inputs`);
  assert.ok(new Set(a.map((i) => i.after)).size === 4, 'every way of ending a connection');
});

test('the PRNG is stable across machines and seeds come from FUZZ_SEED', () => {
  const r = new Rng(1); // mulberry32(1): 0.627..., 0.0027..., 0.527...
  assert.deepEqual([r.int(1000), r.int(1000), r.int(1000)], [627, 2, 527]);
  assert.equal(fuzzSeed({ FUZZ_SEED: '1234' }), 1234);
  assert.throws(() => fuzzSeed({ FUZZ_SEED: 'x' }), /non-negative integer/);
  assert.ok(Number.isInteger(fuzzSeed({})));
});
