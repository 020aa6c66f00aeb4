/** Offline bundles only move forward: an older sequence is a rollback, the same one a replay. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNewerSequence } from '../../../daemon/catalog/bundle.js';

test('a bundle must carry a higher sequence than the last one imported', () => {
  assert.doesNotThrow(() => assertNewerSequence(0, -1), 'the first bundle, sequence 0');
  assert.doesNotThrow(() => assertNewerSequence(8, 7));
  assert.throws(() => assertNewerSequence(7, 7), /sequence 7 was already imported; refusing a replay/);
  assert.throws(
    () => assertNewerSequence(6, 7),
    /sequence 6 is older than the imported 7; refusing a rollback/,
  );
});
