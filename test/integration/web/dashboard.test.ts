/** The dashboard shows real figures from the services, and honest dashes where there are none. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessedSite, inventory } from './assessed-site.js';
import { setUpAdmin, webHarness } from './harness.js';

test('without discovery, assessment or cache the dashboard says so instead of inventing numbers', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const html = await (await b.request('/')).text();
  assert.match(html, /discovery is not running/);
  assert.match(html, /no host assessed yet/);
  // Missing fixes says what its count waits for, as the other cards do.
  assert.match(
    html,
    /Missing fixes<\/a><\/span><span class="value">–<\/span><span class="hint">counted once a vendor feed is synced and a machine’s software is collected</,
  );
  assert.match(html, /cache disabled/);
  assert.match(html, /<li class="done">Administrator password set<\/li>/);
  assert.doesNotMatch(html, /<li class="done">Define the scope/);
});

test('the dashboard never waits for an assessment: it says one is running, then shows it', async (t) => {
  let release!: () => void;
  const s = await assessedSite(t, { gate: new Promise<void>((r) => (release = r)) });
  const _csrf = await s.csrf('/patches/feeds');
  await s.post('/patches/feeds/sync', { _csrf, feed: 'debian' }, { 'hx-request': 'true' });
  await s.catalog.idle();
  // The assessment of the synced catalog is held at the gate: the page answers all the same.
  const waiting = await (await s.request('/')).text();
  assert.match(waiting, /assessing the hosts now/);
  assert.doesNotMatch(waiting, /fully patched/);
  release();
  await s.assess().current();
  assert.match(await (await s.request('/')).text(), /1 of 3 assessed hosts fully patched/);
});

test('with software collected but no feed synced, Missing fixes says it waits for a feed', async (t) => {
  const s = await assessedSite(t);
  await s.request('/');
  await s.assess().current();
  const html = await (await s.request('/')).text();
  assert.match(html, /no host assessed yet/);
  assert.match(html, /<span class="hint">counted once a vendor feed is synced \(Patches → Feeds\)</);
});

test('right after a collection the dashboard shows the new figures, as Patches does, not the last ones', async (t) => {
  const s = await assessedSite(t);
  const _csrf = await s.csrf('/patches/feeds');
  await s.post('/patches/feeds/sync', { _csrf, feed: 'debian' }, { 'hx-request': 'true' });
  await s.catalog.idle();
  await s.assess().current();
  assert.match(await (await s.request('/')).text(), /1 of 3 assessed hosts fully patched/);
  // The odd host is collected again with expat fixed: the next page load counts it compliant.
  s.hosts[2] = inventory(s.ids.odd, [{ name: 'libexpat1', version: '99:1', source: 'expat' }]);
  s.assess().invalidate(); // as a finished collection does
  const html = await (await s.request('/')).text();
  assert.match(html, /2 of 3 assessed hosts fully patched/);
  assert.doesNotMatch(html, /reassessing now/);
  assert.match(await (await s.request('/patches')).text(), /2 of 3 assessed/);
});
