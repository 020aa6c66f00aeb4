/** The Reports page's and CSV's bandwidth rows start on the first day the cache counted any bytes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bandwidthTable } from '../../../daemon/reports/outcome-tables.js';

const day = (d: string, fromCache = 0, fromUpstream = 0) => ({ day: d, fromCache, fromUpstream });

test('days before the first counted byte are not listed as "0 B"; quiet days after it are', () => {
  const rows = bandwidthTable([
    day('2026-12-01'),
    day('2026-12-02'),
    day('2026-12-03', 0, 500),
    day('2026-12-04'),
    day('2026-12-05', 1500, 500),
  ]).rows;
  assert.deepEqual(
    rows.map((r) => [r.day, r.served_from_cache_bytes, r.fetched_upstream_bytes, r.saved_pct]),
    [
      ['2026-12-05', 1500, 500, 75],
      ['2026-12-04', 0, 0, null],
      ['2026-12-03', 0, 500, 0],
    ],
  );
});

test('a cache that never served a byte has nothing to report', () => {
  assert.deepEqual(bandwidthTable([day('2026-12-04'), day('2026-12-05')]).rows, []);
});
