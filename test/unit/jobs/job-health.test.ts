/** A failed job on the dashboard: one short line naming it, the whole error on the job's own page. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../../daemon/jobs/job.js';
import { failedRecently } from '../../../daemon/jobs/job-health.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const failed = (id: string, finishedAt: string, error?: string): JobRecord => ({
  id,
  kind: 'inventory',
  title: `Inventory of web-${id.slice(-1)}`,
  trigger: 'schedule',
  params: {},
  state: 'failed',
  attempts: 1,
  createdAt: finishedAt,
  finishedAt,
  events: [],
  ...(error === undefined ? {} : { error }),
});

test('the latest failure is named with its job; a long or many-line error is cut to its first line', () => {
  const long = `apt-get install failed: ${'E: something went wrong '.repeat(20)}`;
  const [p] = failedRecently(
    [
      failed('job-a', '2026-12-04T10:00:00.000Z', 'old'),
      failed('job-b', '2026-12-04T11:00:00.000Z', `${long}\nline two\nline three`),
    ],
    NOW,
  );
  assert.equal(p?.jobId, 'job-b');
  assert.match(
    p?.message ?? '',
    /^2 jobs failed in the last 24 h; latest: Inventory of web-b \(job-b\): apt-get/,
  );
  assert.ok(p!.message.endsWith('…'), p!.message);
  assert.ok(p!.message.length < 260, `${p!.message.length} characters`);
  assert.doesNotMatch(p!.message, /line two/);

  const [short] = failedRecently([failed('job-c', '2026-12-04T11:00:00.000Z', 'refused\nat step 2')], NOW);
  assert.match(short?.message ?? '', /: refused …$/, 'more lines follow: said with an ellipsis');
  const [plain] = failedRecently([failed('job-d', '2026-12-04T11:00:00.000Z')], NOW);
  assert.match(plain?.message ?? '', /\(job-d\): failed$/);
  assert.deepEqual(
    failedRecently([failed('job-e', '2026-12-03T11:00:00.000Z', 'x')], NOW),
    [],
    'older than a day',
  );
});

test("the dashboard's Needs attention links the failed job; the sentence stays short", async () => {
  const { Problems } = await import('../../../web/routes/dashboard.js');
  const problems = failedRecently(
    [failed('job-20261204T110000-abc123', '2026-12-04T11:00:00.000Z', `boom\n${'trace '.repeat(400)}`)],
    NOW,
  );
  const html = String(Problems({ problems }));
  assert.match(
    html,
    /<strong>Activity<\/strong>: 1 job failed in the last 24 h; latest: Inventory of web-3: boom …/,
  );
  assert.match(html, /<a href="\/activity\/job-20261204T110000-abc123" title="job [^"]+">see the job<\/a>/);
  assert.doesNotMatch(html, /trace trace/);
});

test('a cut never splits a character outside the BMP (an emoji at the cut)', () => {
  for (let pad = 150; pad < 162; pad++) {
    const [p] = failedRecently(
      [failed('job-e', '2026-12-04T11:00:00.000Z', `${'x'.repeat(pad)}${'😀'.repeat(20)}`)],
      NOW,
    );
    assert.doesNotMatch(
      p!.message,
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/,
      `padding ${pad}: ${p!.message.slice(-12)}`,
    );
  }
});
