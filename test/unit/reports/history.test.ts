/** Daily compliance snapshots: one per site-local day, the latest figures of that day, kept keepDays. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type DaySnapshot,
  dayBefore,
  emptyHistory,
  localDay,
  recordDay,
} from '../../../daemon/reports/history.js';

const snap = (day: string, compliant: number, at = `${day}T10:00:00.000Z`): DaySnapshot => ({
  day,
  at,
  hosts: 10,
  assessed: 10,
  compliant,
  ratio: compliant / 10,
  missingFixes: 10 - compliant,
  bySeverity: { high: 10 - compliant },
  hostsAtRisk: 10 - compliant,
  rebootRequired: 0,
});

test('the local day follows the site zone, not UTC', () => {
  const ms = Date.parse('2026-12-04T23:30:00Z');
  assert.equal(localDay(ms, 'UTC'), '2026-12-04');
  assert.equal(localDay(ms, 'Europe/Berlin'), '2026-12-05');
  assert.equal(localDay(ms, 'America/New_York'), '2026-12-04');
  assert.equal(dayBefore('2026-03-01', 1), '2026-02-28');
});

test('one snapshot per day: a later one replaces it; the same figures later do not count as a change', () => {
  const h = emptyHistory();
  assert.equal(recordDay(h, snap('2026-12-01', 5), 400), true);
  assert.equal(recordDay(h, snap('2026-12-01', 5, '2026-12-01T18:00:00.000Z'), 400), false);
  assert.equal(recordDay(h, snap('2026-12-01', 7), 400), true);
  assert.equal(recordDay(h, snap('2026-12-02', 8), 400), true);
  assert.deepEqual(
    h.days.map((d) => [d.day, d.compliant]),
    [
      ['2026-12-01', 7],
      ['2026-12-02', 8],
    ],
  );
});

test('days older than keepDays are dropped; out-of-order days stay sorted', () => {
  const h = emptyHistory();
  for (let i = 0; i < 450; i++) recordDay(h, snap(dayBefore('2026-12-31', 449 - i), 5), 400);
  assert.equal(h.days.length, 400);
  assert.equal(h.days[0]?.day, dayBefore('2026-12-31', 399));
  recordDay(h, snap(dayBefore('2026-12-31', 10), 9), 400);
  assert.equal(h.days.length, 400);
  assert.deepEqual(
    h.days.map((d) => d.day),
    h.days.map((d) => d.day).sort(),
  );
});
