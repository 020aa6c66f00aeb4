/**
 * The Activity page in a real browser against the real daemon: a feed sync the scheduler starts
 * at boot (its feed on a loopback server that answers only when the test lets it) shows as a
 * running job, and the page's htmx polling turns it into "succeeded" without a reload, then stops.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumMissing, launchBrowser, setUpInBrowser } from '../../browser.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

const tracker = readFileSync(new URL('../../fixtures/catalog/debian-tracker.json', import.meta.url));

test('Activity shows a running sync and refreshes it to succeeded by itself', {
  skip: chromiumMissing,
  timeout: 90_000,
}, async (t) => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const feed = createServer((_req, res) => {
    void released.then(() => res.end(tracker));
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => feed.close(() => resolve())));
  feed.unref();
  const url = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/tracker.json`;

  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ catalog: { feeds: [{ id: 'debian', kind: 'debian-tracker', url }] } }),
  );
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });

  await setUpInBrowser(page, daemon.url, dir);
  await page.click('nav a:text("Activity")');
  await page.waitForSelector('h1:text("Activity")');
  const row = page.locator('#activity-jobs tr', { hasText: 'catalog.sync' });
  assert.match(await row.innerText(), /Sync debian\s+catalog\.sync\s+—\s+running/);
  assert.match(await page.innerText('main'), /Sync vendor feeds/, 'the schedule is listed');
  await page.evaluate(() => {
    (globalThis as { marker?: number }).marker = 42;
  });

  release();
  await row.locator('strong:text("succeeded")').waitFor({ timeout: 30_000 });
  assert.match(await row.innerText(), /debian updated/);
  assert.equal(await page.evaluate(() => (globalThis as { marker?: number }).marker), 42, 'no reload');
  assert.equal(await page.getAttribute('#activity-jobs', 'hx-trigger'), null, 'polling stopped');
  await row.locator('a').click();
  await page.waitForSelector('#job-detail');
  assert.match(
    await page.innerText('#job-detail pre'),
    /attempt 1 started \(schedule\)[\s\S]*succeeded: debian updated/,
  );
  assert.deepEqual(problems, []);
});
