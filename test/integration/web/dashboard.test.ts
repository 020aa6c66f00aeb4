/** The dashboard shows real figures from the services, and honest dashes where there are none. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setUpAdmin, webHarness } from './harness.js';

test('without discovery, assessment or cache the dashboard says so instead of inventing numbers', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const html = await (await b.request('/')).text();
  assert.match(html, /discovery is not running/);
  assert.match(html, /no host assessed yet/);
  assert.match(html, /cache disabled/);
  assert.match(html, /<li class="done">Administrator password set<\/li>/);
  assert.doesNotMatch(html, /<li class="done">Define the scope/);
});
