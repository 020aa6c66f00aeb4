/** The asset page's patch summary: counts by severity, uncovered releases, reboot, the link. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostAssessment } from '../../../daemon/assess/types.js';
import { PatchSummary } from '../../../web/routes/assets.js';

const asset = { ip: '10.0.0.7' } as Parameters<typeof PatchSummary>[0]['asset'];
const host = (over: Partial<HostAssessment>): HostAssessment => ({
  hostId: 'pc/7',
  release: 'debian 12',
  ecosystem: 'dpkg',
  covered: true,
  packages: 900,
  missing: [],
  unfixed: 0,
  bySeverity: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 },
  compliant: true,
  rebootRequired: false,
  collectedAt: new Date().toISOString(),
  ...over,
});
const render = (h: HostAssessment | undefined) => String(<PatchSummary asset={asset} host={h} />);

test('no inventory: says how to get one', () => {
  assert.match(render(undefined), /Not inventoried yet.*10\.0\.0\.7.*href="\/inventory"/s);
});

test('missing fixes are counted by severity and linked', () => {
  const fix = {} as HostAssessment['missing'][number];
  const html = render(
    host({
      missing: [fix, fix, fix],
      bySeverity: { critical: 1, high: 2, medium: 0, low: 0, negligible: 0, unknown: 0 },
      rebootRequired: true,
      compliant: false,
    }),
  );
  assert.match(html, /3 missing fixes \(1 critical, 2 high\) across 900 packages\. A reboot is pending\./);
  assert.match(html, /href="\/patches\/hosts\/pc%2F7"/);
});

test('fully patched and uncovered hosts are told apart', () => {
  assert.match(render(host({})), /Fully patched: 900 packages checked/);
  assert.match(render(host({ covered: false })), /No synchronised feed covers debian 12/);
});
