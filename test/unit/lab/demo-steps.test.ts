/**
 * The demo's printed steps. The daemon syncs a feed that has never synced as soon as it starts
 * (overdue work runs at once; on a data directory used before, the feed synced then and syncs on
 * schedule), so step 3 must not send the technician to sync a feed that already did: it says
 * where the syncs show and what Sync now is for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoSteps } from '../../../scripts/lab/demo-steps.js';

const text = demoSteps({
  tag: 'lab nt7:',
  port: 8097,
  dataDir: '/tmp/d',
  subnet: '10.1.2.0/24',
  managedAt: 'pilot1 10.1.2.18, pilot2 10.1.2.19',
  feedUrl: 'http://10.1.3.2/tracker.json',
  pilots: ['pilot1', 'pilot2'],
  configFile: '/run/patch-depot-lab/nt7-config.json',
});

test('step 3 says the daemon syncs the feed itself, not to sync it', () => {
  const step3 = /^ {2}3\. [\s\S]*?(?=^ {2}4\. )/m.exec(text)?.[0] ?? '';
  assert.match(step3, /http:\/\/10\.1\.3\.2\/tracker\.json/);
  assert.match(step3, /syncs the vendor's feed/);
  assert.match(step3, /by itself, at its first start on a data directory and then on schedule/);
  assert.match(step3, /Activity/);
  assert.doesNotMatch(step3, /Feeds → Sync\b/);
});

test('the steps name the lab, its address and its pilots', () => {
  assert.match(text, /^lab nt7: open http:\/\/localhost:8097\//m);
  assert.match(text, /Ring 0 is\s+pilot1, pilot2/);
  assert.match(text, /Settings: \/run\/patch-depot-lab\/nt7-config\.json\. Ctrl-C stops everything\./);
});

test('a data directory set up before is signed in to, not set up again', () => {
  assert.match(text, /a data directory set up\s+before asks you to sign in instead/);
});

test('the steps name the buttons as the pages label them', () => {
  assert.match(text, /Inventory → Collect all hosts now\./);
  assert.match(text, /Assets → Scan now\./);
  assert.match(text, /Manage this machine/);
  assert.match(text, /Deploy selected → Create draft → Approve → Run now/);
});
