/**
 * Tasks on a phone's width (390 px) in a real browser. That every page fits the phone and that its
 * navigation folds behind a Menu button is checked for every page by every-page-browser.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumMissing, daemonInBrowser, setUpInBrowser } from '../../browser.js';

const PHONE = { width: 390, height: 844 };

test("the report's chart labels stay readable on a 390 px phone", {
  skip: chromiumMissing,
  timeout: 90_000,
}, async (t) => {
  const { dir, daemon, page } = await daemonInBrowser(t, PHONE);
  await setUpInBrowser(page, daemon.url, dir, 'phone passphrase 1');
  await page.goto(new URL('/reports', daemon.url).href);
  await page.waitForSelector('main h1');
  // The charts shrink with the screen; their labels must not shrink to a smudge.
  const tinyText: string[] = [];
  for (const label of await page.locator('svg.chart text.axis').all()) {
    const px = (await label.boundingBox())?.height ?? 0;
    if (px < 9) tinyText.push(`"${await label.textContent()}" is ${px.toFixed(1)} px tall`);
  }
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
  await page.fill('section:has(h2:text("Add an account")) input[name=confirm]', 'operator passphrase 1');
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
