/**
 * Every page of the real daemon, at a phone's width (390 px) in a real browser: nothing is wider
 * than the screen (long keys, URLs and commands wrap) and the navigation is rows of links, not a
 * column that pushes the page below the fold.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NAV } from '../../../web/views/layout.js';
import { chromiumMissing, daemonInBrowser, setUpInBrowser } from '../../browser.js';

const PHONE = { width: 390, height: 844 };

test('every page fits a 390 px wide phone and its navigation stays a few rows', {
  skip: chromiumMissing,
  timeout: 90_000,
}, async (t) => {
  const { dir, daemon, page } = await daemonInBrowser(t, PHONE);

  await setUpInBrowser(page, daemon.url, dir, 'phone passphrase 1');

  const tooWide: string[] = [];
  const tinyText: string[] = [];
  for (const [href] of [
    ...NAV,
    ['/patches/feeds'],
    ['/settings/scopes'],
    ['/settings/accounts'],
    ['/settings/audit'],
  ]) {
    await page.goto(new URL(href, daemon.url).href);
    await page.waitForSelector('main h1');
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    if (width > PHONE.width) tooWide.push(`${href}: ${width} px`);
    // The report's charts shrink with the screen; their labels must not shrink to a smudge.
    for (const label of await page.locator('svg.chart text.axis').all()) {
      const px = (await label.boundingBox())?.height ?? 0;
      if (px < 9) tinyText.push(`${href}: "${await label.textContent()}" is ${px.toFixed(1)} px tall`);
    }
    const navHeight = (await page.locator('nav').boundingBox())?.height ?? 0;
    // Nine links in a column are about 290 px; in rows of three or more, at most three rows.
    assert.ok(navHeight > 0 && navHeight < 130, `${href}: navigation is ${navHeight} px tall`);
  }
  assert.deepEqual(tooWide, [], 'pages wider than the phone');
  assert.deepEqual(tinyText, [], 'chart labels too small to read');
});

test('on a phone an admin adds an operator account, and the audit log shows it', {
  skip: chromiumMissing,
  timeout: 90_000,
}, async (t) => {
  const { dir, daemon, page } = await daemonInBrowser(t, PHONE);
  await setUpInBrowser(page, daemon.url, dir, 'phone passphrase 1');
  await page.goto(new URL('/settings', daemon.url).href);
  await page.click('a:text("manage accounts")');
  await page.waitForSelector('h1:text("Accounts")');
  await page.fill('input[name=name]', 'Olga');
  await page.selectOption('#new-role', 'operator');
  await page.fill('section:has(h2:text("Add an account")) input[name=password]', 'operator passphrase 1');
  await page.click('button:text("Add account")');
  await page.waitForSelector('text=Account olga added with the role operator');
  await page.screenshot({ path: `${dir}/accounts-phone.png`, fullPage: true });
  assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= PHONE.width);
  // Removing asks in the browser first (htmx's hx-confirm); declining changes nothing.
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.click('tr:has-text("olga") button:text("Remove")');
  await page.waitForTimeout(300);
  assert.match(asked, /Remove the account olga\?/);
  assert.equal(await page.locator('tr:has-text("olga")').count(), 1, 'dismissed: still there');
  page.once('dialog', (d) => void d.accept());
  await page.click('tr:has-text("olga") button:text("Remove")');
  await page.waitForSelector('text=Account olga removed');
  await page.click('a:text("Audit log")');
  await page.waitForSelector('h1:text("Audit log")');
  const log = await page.innerText('main');
  assert.match(log, /add an account/);
  assert.match(log, /first-run setup/);
  await page.screenshot({ path: `${dir}/audit-phone.png`, fullPage: true });
  if (process.env.PATCH_DEPOT_SCREENSHOTS) {
    for (const f of ['accounts-phone.png', 'audit-phone.png']) {
      await import('node:fs/promises').then((fs) =>
        fs.copyFile(`${dir}/${f}`, `${process.env.PATCH_DEPOT_SCREENSHOTS}/${f}`),
      );
    }
  }
});

test('on a phone the backup downloads from Settings as a file, not into the page', {
  skip: chromiumMissing,
  timeout: 90_000,
}, async (t) => {
  const { dir, daemon, page } = await daemonInBrowser(t, PHONE);
  await setUpInBrowser(page, daemon.url, dir, 'phone passphrase 1');
  await page.goto(new URL('/settings', daemon.url).href);
  await page.fill('#backup input[name=passphrase]', 'a backup passphrase 42');
  await page.fill('#backup input[name=confirm]', 'a backup passphrase 42');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('button:text("Download backup")'),
  ]);
  assert.match(download.suggestedFilename(), /^patch-depot-\d{4}-\d\d-\d\d\.pdbackup$/);
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 8).toString(), 'PDBACKUP');
  assert.match(await page.innerText('h1'), /Settings/, 'the page stays');
});
