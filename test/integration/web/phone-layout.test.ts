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
  for (const [href] of [...NAV, ['/patches/feeds'], ['/settings/scopes']]) {
    await page.goto(new URL(href, daemon.url).href);
    await page.waitForSelector('main h1');
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    if (width > PHONE.width) tooWide.push(`${href}: ${width} px`);
    const navHeight = (await page.locator('nav').boundingBox())?.height ?? 0;
    // Nine links in a column are about 290 px; in rows of three or more, at most three rows.
    assert.ok(navHeight > 0 && navHeight < 130, `${href}: navigation is ${navHeight} px tall`);
  }
  assert.deepEqual(tooWide, [], 'pages wider than the phone');
});
