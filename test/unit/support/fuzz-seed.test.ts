import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzRun, fuzzSeed } from '../../support/fuzz-seed.js';

test('FUZZ_SEED replays a seed; without it a fresh one is drawn', () => {
  assert.equal(fuzzSeed({ FUZZ_SEED: '1234' }), 1234);
  assert.equal(fuzzSeed({ FUZZ_SEED: '4294967295' }), 2 ** 32 - 1);
  const fresh = fuzzSeed({});
  assert.ok(Number.isInteger(fresh) && fresh >= 0 && fresh < 2 ** 32);
});

test('a seed or count that is not a whole number in range is refused with the variable named', () => {
  for (const bad of ['x', '-1', '1.5', '1e3', '4294967296', ' 7'])
    assert.throws(
      () => fuzzSeed({ FUZZ_SEED: bad }),
      /FUZZ_SEED must be a whole number from 0 to 4294967295/,
    );
  for (const bad of ['0', 'many', '-5'])
    assert.throws(() => fuzzRun(10, { FUZZ_COUNT: bad }), /FUZZ_COUNT must be a whole number from 1/);
});

test('a run prints the one line that replays it', () => {
  assert.deepEqual(fuzzRun(10_000, { FUZZ_SEED: '42' }), {
    seed: 42,
    count: 10_000,
    replay: 'FUZZ_SEED=42 FUZZ_COUNT=10000',
  });
  const again = fuzzRun(10_000, { FUZZ_SEED: '42', FUZZ_COUNT: '25' });
  assert.equal(again.count, 25);
  assert.equal(again.replay, 'FUZZ_SEED=42 FUZZ_COUNT=25');
  const fresh = fuzzRun(5, {});
  assert.equal(fresh.replay, `FUZZ_SEED=${fresh.seed} FUZZ_COUNT=5`);
});
