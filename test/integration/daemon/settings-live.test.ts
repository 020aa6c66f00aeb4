/**
 * Settings changed from the UI of the real daemon process: a vendor feed added on the settings
 * page is synced from the UI at once and fills the catalog, a cache upstream is in use at once,
 * both without a restart; a setting that needs one offers it, and the restart exits with 75 (the
 * code systemd's Restart=on-failure starts the daemon again on).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { serveTrackerFixture as serveTracker } from '../../support/tracker-fixture.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { type HttpSession, setUpOverHttp } from '../web/http-session.js';
import { spawnDaemon } from './spawn-daemon.js';

/** Post a settings form with the page's current file version. */
const postSettings = async (admin: HttpSession, path: string, form: Record<string, string>) => {
  const page = await (await admin.get('/settings/config')).text();
  const version = /name="version" value="([^"]+)"/.exec(page)![1]!;
  return admin.post(path, { version, ...form }, '/settings/config');
};

const until = async (what: string, check: () => Promise<boolean>, ms = 30_000) => {
  for (const deadline = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 200)))
    assert.ok(Date.now() < deadline, what);
};

test('a feed and a cache upstream added in Settings work at once; a restart-only change restarts with 75', {
  timeout: 120_000,
}, async (t) => {
  const trackerUrl = await serveTracker(t);
  const dir = await tempDir(t);
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  const admin = await setUpOverHttp(daemon.url, 'settings passphrase 1', dir);
  assert.match(await (await admin.get('/patches/feeds')).text(), /No vendor feeds configured\./);

  const added = await postSettings(admin, '/settings/config/feeds', {
    id: 'debian',
    kind: 'debian-tracker',
    url: trackerUrl,
  });
  assert.equal(added.status, 303, await added.text());
  const saved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  assert.deepEqual(saved.catalog.feeds, [{ id: 'debian', kind: 'debian-tracker', url: trackerUrl }]);
  const settings = await (await admin.get('/settings/config')).text();
  assert.doesNotMatch(settings, /Restart needed/);
  assert.match(settings, /name="feed" value="debian"/, 'the new feed has a Sync now button');

  // Synced from the UI, with no restart: the catalog fills from the new feed.
  const sync = await admin.post('/patches/feeds/sync', { feed: 'debian' }, '/settings/config');
  assert.equal(sync.status, 303);
  await until('the new feed was synchronised', async () => {
    const page = await (await admin.get('/patches')).text();
    return !page.includes('No vendor feeds synchronised yet');
  });
  assert.match(await (await admin.get('/patches/feeds')).text(), /debian/);

  const upstream = 'http://127.0.0.1:9/debian';
  const cache = await postSettings(admin, '/settings/config/cache', { 'cache.upstreams': upstream });
  assert.equal(cache.status, 303);
  assert.match(
    await (await admin.get('/cache')).text(),
    /Allowed upstreams<\/dt>\s*<dd>\s*http:\/\/127\.0\.0\.1:9\/debian\//,
  );

  const named = await postSettings(admin, '/settings/config/site', { 'site.name': 'Branch 12' });
  assert.equal(named.status, 303);
  assert.match(
    await (await admin.get('/settings')).text(),
    /<dd>Branch 12<\/dd>/,
    'the site key card uses the new name',
  );

  const sync2 = await postSettings(admin, '/settings/config/catalog', {
    'catalog.syncIntervalMinutes': '720',
  });
  assert.equal(sync2.status, 303);
  assert.match(await (await admin.get('/settings/config')).text(), /Restart needed/);
  const restart = await admin.post('/settings/config/restart', { confirm: 'yes' }, '/settings/config');
  assert.equal(restart.status, 200);
  assert.match(await restart.text(), /Restarting/);
  await until('the daemon stopped by itself', async () => daemon.proc.exitCode !== null);
  assert.equal(await daemon.stop(), 75, 'exits asking the supervisor for a restart');
});
