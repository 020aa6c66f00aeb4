import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  closesAt,
  isOpen,
  nextOpen,
  parseWindow,
  spreadStart,
} from '../../../daemon/deploy/policy/windows.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();

test('a window is parsed from "Sat 22:00–Sun 04:00" and refused with a message that says how', () => {
  const w = parseWindow('Sat 22:00–Sun 04:00', 'Europe/Berlin');
  assert.equal(w.durationMinutes, 6 * 60);
  assert.equal(parseWindow('Mon 01:00-Mon 02:00', 'UTC').durationMinutes, 60);
  assert.throws(() => parseWindow('Sat 22:00–Sat 22:30', 'UTC'), /1 to 24 hours/);
  assert.throws(() => parseWindow('Sat 22:00–Mon 04:00', 'UTC'), /1 to 24 hours/);
  assert.throws(() => parseWindow('Saturday night', 'UTC'), /start–end/);
  assert.throws(() => parseWindow('Xyz 22:00–Sun 04:00', 'UTC'), /e\.g\. Sat 22:00/);
  assert.throws(() => parseWindow('Sat 22:00–Sun 04:00', 'Mars/Olympus'), /unknown time zone/);
});

test('open and next opening follow the site wall clock, across midnight and the week end', () => {
  const w = parseWindow('Sat 22:00–Sun 04:00', 'Europe/Berlin');
  // Winter: Berlin is UTC+1. Saturday 2026-11-28 22:00 local = 21:00Z.
  assert.equal(isOpen(w, at('2026-11-28T20:59:00Z')), false);
  assert.equal(isOpen(w, at('2026-11-28T21:00:00Z')), true);
  assert.equal(isOpen(w, at('2026-11-29T02:59:00Z')), true);
  assert.equal(isOpen(w, at('2026-11-29T03:00:00Z')), false);
  assert.equal(iso(nextOpen(w, at('2026-11-23T10:00:00Z'))), '2026-11-28T21:00:00.000Z');
  assert.equal(iso(nextOpen(w, at('2026-11-29T03:00:00Z'))), '2026-12-05T21:00:00.000Z');
  assert.equal(nextOpen(w, at('2026-11-29T01:00:00Z')), at('2026-11-29T01:00:00Z'), 'open now');
  assert.equal(iso(closesAt(w, at('2026-11-29T01:00:00Z'))!), '2026-11-29T03:00:00.000Z');
});

test('across a DST change the window keeps its wall-clock times, and a start in the skipped hour opens at the jump', () => {
  // 2026-03-29: Berlin goes from 02:00 CET to 03:00 CEST.
  const w = parseWindow('Sun 01:00–Sun 05:00', 'Europe/Berlin');
  const open = nextOpen(w, at('2026-03-25T12:00:00Z'));
  assert.equal(iso(open), '2026-03-29T00:00:00.000Z', '01:00 CET');
  assert.equal(iso(closesAt(w, open)!), '2026-03-29T03:00:00.000Z', '05:00 CEST: 3 real hours');
  const gap = parseWindow('Sun 02:30–Sun 06:00', 'Europe/Berlin');
  assert.equal(iso(nextOpen(gap, at('2026-03-25T12:00:00Z'))), '2026-03-29T01:00:00.000Z', '03:00 CEST');
  // 2026-10-25: back from 03:00 CEST to 02:00 CET; a window from 01:00 to 05:00 is 5 real hours.
  const fall = nextOpen(w, at('2026-10-20T12:00:00Z'));
  assert.equal(iso(fall), '2026-10-24T23:00:00.000Z', '01:00 CEST');
  assert.equal(iso(closesAt(w, fall)!), '2026-10-25T04:00:00.000Z', '05:00 CET');
  // In the US zone too (2026-11-01, 02:00 EDT -> 01:00 EST).
  const ny = parseWindow('Sun 00:00–Sun 06:00', 'America/New_York');
  assert.equal(iso(nextOpen(ny, at('2026-10-30T12:00:00Z'))), '2026-11-01T04:00:00.000Z');
  assert.equal(iso(closesAt(ny, at('2026-11-01T04:00:00Z'))!), '2026-11-01T11:00:00.000Z');
});

test('starts are spread over the first minutes by the injected random, never before now', () => {
  const w = parseWindow('Sat 22:00–Sun 04:00', 'UTC');
  const now = at('2026-11-23T10:00:00Z');
  assert.equal(iso(spreadStart(w, now, () => 0, 600_000)), '2026-11-28T22:00:00.000Z');
  assert.equal(iso(spreadStart(w, now, () => 0.5, 600_000)), '2026-11-28T22:05:00.000Z');
  const inside = at('2026-11-28T23:00:00Z');
  assert.equal(
    spreadStart(w, inside, () => 0.5, 600_000),
    inside + 300_000,
  );
});
