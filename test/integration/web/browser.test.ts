/**
 * A real browser (Debian's Chromium driven by playwright-core) walks through first-run setup,
 * navigation with htmx, sign-out and sign-in against the real daemon process.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumMissing, daemonInBrowser } from '../../browser.js';
import { setupCodeOf } from '../../support/setup-code.js';

const skip = chromiumMissing;

test('setup, htmx navigation, sign-out, sign-in and a password change in a real browser', {
  skip,
  timeout: 90_000,
}, async (t) => {
  const { dir, daemon, page } = await daemonInBrowser(t);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    const expected = r.status() === 401 && new URL(r.url()).pathname === '/login'; // the wrong password below
    if (r.status() >= 400 && !expected) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });

  await page.goto(daemon.url);
  assert.equal(new URL(page.url()).pathname, '/setup');
  await page.fill(
    'form[action="/setup"] input[name=code]',
    (await setupCodeOf(dir)).toLowerCase().replaceAll('-', ' '),
  );
  await page.fill('input[name=password]', 'browser passphrase 1');
  await page.fill('input[name=confirm]', 'browser passphrase 1');
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:text("Dashboard")');
  assert.equal(new URL(page.url()).pathname, '/');
  // The real daemon's services feed the dashboard: a fresh appliance has found nothing yet.
  assert.match(await page.innerText('main'), /0 online · 0 new/);
  assert.match(await page.innerText('main'), /hit ratio 0 %/);
  if (process.env.PD_SCREENSHOTS)
    await page.screenshot({ path: join(process.env.PD_SCREENSHOTS, 'dashboard.png') });

  // htmx is loaded from the appliance and boosts navigation: the URL changes without a full load.
  assert.equal(await page.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx), 'object');
  await page.evaluate(() => {
    (globalThis as { marker?: number }).marker = 42;
  });
  await page.click('nav a:text("Settings")');
  await page.waitForSelector('h1:text("Settings")');
  assert.equal(new URL(page.url()).pathname, '/settings');
  assert.equal(
    await page.evaluate(() => (globalThis as { marker?: number }).marker),
    42,
    'no full page load',
  );
  assert.equal(await page.getAttribute('nav a[aria-current=page]', 'href'), '/settings');

  await page.click('button:text("Sign out")');
  await page.waitForSelector('h1:text("Sign in")');
  await page.fill('input[name=password]', 'not the password');
  await page.click('button[type=submit]');
  await page.waitForSelector('text=wrong name or password');
  await page.fill('input[name=password]', 'browser passphrase 1');
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:text("Dashboard")');

  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'pd_session');
  assert.ok(session?.httpOnly);
  assert.equal(session?.sameSite, 'Strict');

  // A password change rotates the session and the CSRF token; the page it leads to works as is.
  await page.click('nav a:text("Settings")');
  await page.waitForSelector('h1:text("Settings")');
  await page.fill('#password input[name=current]', 'browser passphrase 1');
  await page.fill('#password input[name=password]', 'browser passphrase 2');
  await page.fill('#password input[name=confirm]', 'browser passphrase 2');
  await page.click('button:text("Change password")');
  await page.waitForSelector('text=Password changed.');
  await page.click('button:text("Sign out")');
  await page.waitForSelector('h1:text("Sign in")');
  await page.fill('input[name=password]', 'browser passphrase 2');
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:text("Dashboard")');
  assert.deepEqual(problems, []);
});
