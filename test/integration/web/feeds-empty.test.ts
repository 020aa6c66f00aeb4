/**
 * A fresh appliance has no vendor feeds: the Feeds page says where they are configured instead of
 * showing an empty table and a "Sync all feeds now" button that can do nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';
import { setUpOverHttp } from './http-session.js';

test('with no feeds configured, Feeds points to catalog.feeds and offers no sync button', async (t) => {
  const dir = await tempDir(t);
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  const admin = await setUpOverHttp(daemon.url, 'feeds passphrase 1', dir);
  const res = await admin.get('/patches/feeds');
  assert.equal(res.status, 200);
  const page = await res.text();
  assert.match(page, /No vendor feeds configured\./);
  assert.match(page, /<code>catalog\.feeds<\/code>/);
  assert.doesNotMatch(page, /Sync all feeds now/);
  assert.match(page, /Offline bundle/, 'importing a bundle is still offered');
  // Which keys a bundle may be signed with links to where they are set, not to a JSON path.
  assert.match(
    page,
    /signed with one of the <a href="\/settings\/config#catalog" title="catalog\.trustedKeys">/,
  );
  assert.doesNotMatch(page, /<code>catalog\.trustedKeys<\/code>/);
});
