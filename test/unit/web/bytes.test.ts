/** One way to show byte counts on every page. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from '../../../web/views/bytes.js';

test('bytes in binary units: one decimal below ten, whole numbers above', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(20 * 1024 * 1024), '20 MiB');
  assert.equal(formatBytes(3 * 1024 ** 4), '3.0 TiB');
  assert.equal(formatBytes(2048 * 1024 ** 4), '2048 TiB');
});
