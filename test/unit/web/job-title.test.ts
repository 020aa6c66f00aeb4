/** Job titles shown to people name the host, including jobs recorded before titles did. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../../daemon/jobs/job.js';
import { jobTitle } from '../../../web/routes/activity.js';

const job = (title: string, host?: string) => ({ id: 'job-1', title, host }) as unknown as JobRecord;

test('a recorded title with a host id shows the host name instead', () => {
  const names: Record<string, string> = { 'h-0123abcd': 'front-desk' };
  const name = (id: string) => names[id];
  assert.equal(jobTitle(job('Deploy DSA-1 to h-0123abcd', 'h-0123abcd'), name), 'Deploy DSA-1 to front-desk');
  assert.equal(jobTitle(job('Deploy DSA-1 to front-desk', 'h-0123abcd'), name), 'Deploy DSA-1 to front-desk');
  // An unknown host and a job with no host keep their title.
  assert.equal(jobTitle(job('Inventory of h-9', 'h-9'), name), 'Inventory of h-9');
  assert.equal(jobTitle(job('Sync feeds'), name), 'Sync feeds');
});
