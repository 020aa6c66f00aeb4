/**
 * A deployment host's job (where the dashboard's "see the job" leads) links to its deployment,
 * where the failed host is allowed again and retried: the id alone was a dead end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../../daemon/jobs/job.js';
import { JobDetail } from '../../../web/routes/activity.js';

const job = (trigger: string): JobRecord => ({
  id: 'job-20261204T212507-6d2ea0',
  kind: 'deploy.host',
  title: 'Deploy CVE-2099-1001 on 4 hosts to 10.213.93.20',
  trigger,
  params: {},
  state: 'failed',
  attempts: 1,
  createdAt: '2026-12-04T21:25:07.000Z',
  events: [],
});

test("a deployment's job links its trigger to the deployment page", () => {
  const html = String(
    <JobDetail
      job={job('deployment dep-20261204T211531-dc4b68, ring 1')}
      log={[]}
      csrf="x"
      name={() => undefined}
    />,
  );
  assert.match(
    html,
    /deployment <a href="\/deployments\/dep-20261204T211531-dc4b68">dep-20261204T211531-dc4b68<\/a>, ring 1/,
  );
});

test('other triggers stay plain text', () => {
  const html = String(<JobDetail job={job('schedule')} log={[]} csrf="x" name={() => undefined} />);
  assert.match(html, /<dt>Trigger<\/dt><dd>schedule<\/dd>/);
});
