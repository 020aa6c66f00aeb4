/**
 * The Reports page's bandwidth chart starts where the traffic starts, as its table and CSV do:
 * it spanned all 90 days the cache keeps, so three days of traffic were three slivers at the right
 * edge of an empty axis labelled from three months ago.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_TRAFFIC_DAYS, TrafficChart, trafficSpan } from '../../../web/views/report-views.js';

/** 90 days ending 2026-12-05, with traffic on the last `busy` of them. */
const ninety = (busy: number) =>
  Array.from({ length: 90 }, (_, i) => {
    const day = new Date(Date.UTC(2026, 11, 5) - (89 - i) * 86_400_000).toISOString().slice(0, 10);
    const used = i >= 90 - busy;
    return { day, fromCache: used ? 1000 : 0, fromUpstream: used ? 500 : 0 };
  });

test('the chart spans from the first day with traffic to today, at least a week', () => {
  assert.deepEqual(
    trafficSpan(ninety(20)).map((d) => d.day),
    ninety(20)
      .slice(70)
      .map((d) => d.day),
  );
  assert.equal(trafficSpan(ninety(20))[0]!.fromCache, 1000, 'the first bar is the first day of traffic');
  assert.equal(trafficSpan(ninety(90)).length, 90);
  // One day of traffic (or none yet): the last week, so a lone day is a bar, not a wall.
  assert.equal(trafficSpan(ninety(1)).length, MIN_TRAFFIC_DAYS);
  assert.equal(trafficSpan(ninety(0)).length, MIN_TRAFFIC_DAYS);
  assert.equal(trafficSpan(ninety(0).slice(0, 3)).length, 3, 'fewer days than a week: all of them');
  // A gap inside the traffic stays on the axis: only the empty days before it are left out.
  const gap = ninety(30).map((d, i) => (i === 75 ? { ...d, fromCache: 0, fromUpstream: 0 } : d));
  assert.equal(trafficSpan(gap).length, 30);
});

test('the drawn chart is labelled from the first day of traffic, not 90 days back', () => {
  const svg = String(<TrafficChart days={ninety(10)} />);
  assert.match(svg, /Traffic per day over the last 10 days/);
  assert.match(svg, />2026-11-26<\/text>/);
  assert.match(svg, />2026-12-05<\/text>/);
  assert.doesNotMatch(svg, /2026-09-07/);
  assert.equal(svg.match(/class="bar-saved"/g)?.length, 10);
});
