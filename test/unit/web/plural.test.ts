import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counted } from '../../../web/views/plural.js';

test('a count takes the singular only for exactly one', () => {
  assert.equal(counted(1, 'host'), '1 host');
  assert.equal(counted(0, 'host'), '0 hosts');
  assert.equal(counted(3, 'feed'), '3 feeds');
  assert.equal(counted(2, 'advisory', 'advisories'), '2 advisories');
});
