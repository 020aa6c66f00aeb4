/**
 * Patches, by host, on a phone: each host is a card of labelled lines, the tick box included
 * ("Deploy: ☐", not a box alone in the middle of the card), missing fixes and severities named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostAssessment } from '../../../daemon/assess/types.js';
import { HostTable } from '../../../web/views/patches.js';

const row = {
  hostId: 'h-0000000001',
  release: 'debian:bookworm',
  findings: { count: 3 },
  bySeverity: { critical: 0, high: 1, medium: 1, low: 1, negligible: 0, unknown: 0 },
  covered: true,
  compliant: false,
  rebootRequired: false,
} as unknown as HostAssessment;

test('by host stacks on a phone, every cell labelled, the Deploy tick box too', () => {
  const html = String(HostTable({ rows: [row], label: () => 'pc-1', select: true }));
  assert.match(html, /<table class="stack">/);
  assert.match(html, /<td data-label="Deploy"><input type="checkbox" name="host" value="h-0000000001"/);
  assert.match(html, /<td data-label="Missing fixes">3<\/td>/);
  // Every severity with a count: the three missing fixes add up (it said "0 / 1 / 0": critical, high, unrated).
  assert.match(html, /<td data-label="By severity">1 high · 1 medium · 1 low<\/td>/);
});
