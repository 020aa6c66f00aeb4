/** Job titles shown to people name the host, including jobs recorded before titles did. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../../daemon/jobs/job.js';
import { jobTitle } from '../../../web/routes/activity.js';

const job = (title: string, host?: string, hostLabel?: string) =>
  ({ id: 'job-1', title, host, hostLabel }) as unknown as JobRecord;

test('a recorded title with a host id shows the host name instead', () => {
  const names: Record<string, string> = { 'h-0123abcd': 'front-desk' };
  const name = (id: string) => names[id];
  assert.equal(jobTitle(job('Deploy DSA-1 to h-0123abcd', 'h-0123abcd'), name), 'Deploy DSA-1 to front-desk');
  assert.equal(jobTitle(job('Deploy DSA-1 to front-desk', 'h-0123abcd'), name), 'Deploy DSA-1 to front-desk');
  // An unknown host and a job with no host keep their title.
  assert.equal(jobTitle(job('Inventory of h-9', 'h-9'), name), 'Inventory of h-9');
  assert.equal(jobTitle(job('Sync feeds'), name), 'Sync feeds');
});

test('a title made before the machine had its name shows the name it has now, with its address', () => {
  const name = (id: string) => ({ 'h-1': 'pilot1', 'h-2': '10.0.0.6' })[id];
  const address = (id: string) => ({ 'h-1': '10.0.0.5', 'h-2': '10.0.0.6' })[id];
  // Made while it was known by its address only (recorded label, and a record from before labels).
  assert.equal(
    jobTitle(job('Inventory of 10.0.0.5', 'h-1', '10.0.0.5'), name, address),
    'Inventory of pilot1 (10.0.0.5)',
  );
  assert.equal(
    jobTitle(job('Inventory of 10.0.0.5', 'h-1'), name, address),
    'Inventory of pilot1 (10.0.0.5)',
  );
  // Renamed since: the old name gives way to the new one.
  assert.equal(
    jobTitle(job('Deploy DSA-1 (2 fixes) to web-old', 'h-1', 'web-old'), name, address),
    'Deploy DSA-1 (2 fixes) to pilot1 (10.0.0.5)',
  );
  // Still known by its address only: said once.
  assert.equal(
    jobTitle(job('Inventory of 10.0.0.6', 'h-2', '10.0.0.6'), name, address),
    'Inventory of 10.0.0.6',
  );
  // An address inside the deployment's title is not the host's: only the end names the host.
  assert.equal(
    jobTitle(job('Deploy fix for 10.0.0.5 to pilot1', 'h-1', 'pilot1'), name, address),
    'Deploy fix for 10.0.0.5 to pilot1 (10.0.0.5)',
  );
});
