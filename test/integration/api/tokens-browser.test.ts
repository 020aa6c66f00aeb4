/**
 * An administrator makes an API token on the Settings page of the real daemon in a real browser:
 * it is shown once, works at once against /api/v1, is listed with its last use, and revoking it
 * (after the confirmation) stops it at once. The site key's fingerprint is on the same page. On a
 * phone the page stays within the screen.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { chromiumMissing, clickNav, daemonInBrowser, setUpInBrowser } from '../../browser.js';

const run = promisify(execFile);

test('make, use and revoke an API token in the browser', {
  skip: chromiumMissing,
  timeout: 90_000,
}, async (t) => {
  const { dir, daemon, page } = await daemonInBrowser(t, { width: 390, height: 844 });
  await setUpInBrowser(page, daemon.url, dir, 'token passphrase 1');
  await clickNav(page, 'Settings');
  await page.waitForSelector('h2:text("API tokens")');

  await page.fill('#api-tokens input[name=name]', 'HQ console');
  await page.click('button:text("Create token")');
  const shown = await page.waitForSelector('#api-tokens .notice.ok code');
  const token = (await shown.textContent()) ?? '';
  assert.match(token, /^pdt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  // Settings → Site key offers this site's sites.json entry: with the token in its file, the
  // reference console pulls and verifies the site as it stands.
  const entry = JSON.parse((await page.locator('#sites-json-entry').textContent()) ?? '');
  assert.equal(entry.url, new URL(daemon.url).origin);
  await writeFile(join(dir, 'site.token'), `${token}\n`);
  await writeFile(
    join(dir, 'sites.json'),
    JSON.stringify({ sites: [{ ...entry, tokenFile: join(dir, 'site.token') }] }),
  );
  const { stdout } = await run(process.execPath, [
    ...['--import', 'tsx', 'daemon/main.ts', 'console', 'pull', '--sites', join(dir, 'sites.json')],
  ]);
  assert.match(stdout, / just now +ok\n/);

  const pull = () =>
    fetch(new URL('/api/v1/summary', daemon.url), { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await pull()).status, 200);

  await page.reload();
  await page.waitForSelector('h2:text("API tokens")');
  assert.equal(await page.locator(`text=${token}`).count(), 0, 'shown only once');
  assert.match(
    (await page.locator('#api-tokens tbody').textContent()) ?? '',
    /HQ console[\s\S]*console:read[\s\S]*from 127\.0\.0\.1/,
  );
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(width <= 390, `the page fits a phone (${width} px)`);
  assert.match((await page.locator('#site-key').textContent()) ?? '', /Fingerprint[A-Za-z0-9_-]{43}/);

  page.once('dialog', (dialog) => void dialog.accept());
  await page.click('#api-tokens button:text("Revoke")');
  await page.waitForSelector('text=Token "HQ console" revoked.');
  assert.match((await page.locator('#api-tokens tbody').textContent()) ?? '', /revoked/);
  assert.equal((await pull()).status, 401);
});
