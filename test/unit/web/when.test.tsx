/** Times as people read them, in the appliance's zone, with the exact time kept for hover. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { When, whenText } from '../../../web/views/when.js';

const NOW = Date.parse('2026-12-04T13:30:00Z');

test('today, yesterday, tomorrow, this year and older, in the given zone', () => {
  assert.equal(whenText('2026-12-04T12:02:00Z', NOW, 'UTC'), 'today 12:02');
  assert.equal(whenText('2026-12-03T09:15:00Z', NOW, 'UTC'), 'yesterday 09:15');
  assert.equal(whenText('2026-12-05T04:00:00Z', NOW, 'UTC'), 'tomorrow 04:00');
  assert.equal(whenText('2026-11-20T08:00:00Z', NOW, 'UTC'), '20 Nov 08:00');
  assert.equal(whenText('2025-12-03T09:15:00Z', NOW, 'UTC'), '3 Dec 2025 09:15');
  // 23:30 UTC on the 3rd is already the 4th in Berlin.
  assert.equal(whenText('2026-12-03T23:30:00Z', NOW, 'Europe/Berlin'), 'today 00:30');
  assert.equal(whenText('not a time', NOW, 'UTC'), 'not a time');
});

test('the element keeps the exact time in datetime and on hover; nothing says never', () => {
  const html = String(<When at="2026-12-04T12:02:00.000Z" />);
  assert.match(html, /^<time datetime="2026-12-04T12:02:00.000Z" title="2026-12-04T12:02:00.000Z">/);
  assert.equal(String(<When at={undefined} />), 'never');
  assert.equal(String(<When at={null} never="not yet" />), 'not yet');
});
