/**
 * A technician adds a vendor feed on Settings → Appliance settings in a real browser against the
 * real daemon, sees a mistake explained next to its field (htmx, no reload), syncs the new feed
 * from the UI and finds its fixes on Patches, with no restart; a trust change asks first.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumMissing, clickNav, daemonInBrowser, setUpInBrowser } from '../../browser.js';
import { serveTrackerFixture } from '../../support/tracker-fixture.js';

test('a tech adds a feed in Settings and syncs it from the UI without a restart', {
  skip: chromiumMissing,
  timeout: 120_000,
}, async (t) => {
  const trackerUrl = await serveTrackerFixture(t);

  const { dir, daemon, page } = await daemonInBrowser(t, { width: 1280, height: 900 });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
  const shot = async (name: string) => {
    if (process.env.PD_SCREENSHOTS)
      await page.screenshot({ path: join(process.env.PD_SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  await setUpInBrowser(page, daemon.url, dir);

  await clickNav(page, 'Settings');
  await page.click('a:text("edit settings")');
  await page.waitForSelector('h1:text("Appliance settings")');
  assert.match(await page.innerText('#feeds'), /No vendor feeds yet/);

  // A mistake: explained next to the field, what was typed kept, nothing saved.
  await page.fill('#feed-id', 'Debian!');
  await page.selectOption('#feed-kind', 'debian-tracker');
  await page.fill('#feed-url', trackerUrl);
  await page.click('button:text("Add feed")');
  await page.waitForSelector('#feed-id-error');
  assert.match(await page.innerText('#feed-id-error'), /use lower-case letters, digits and -/);
  assert.equal(await page.inputValue('#feed-url'), trackerUrl);
  assert.equal(await page.getAttribute('#feed-id', 'aria-invalid'), 'true');
  await shot('settings-feed-error');

  await page.fill('#feed-id', 'debian');
  await page.click('button:text("Add feed")');
  await page.waitForSelector('text=Feed debian saved. In use now: Vendor feeds.');
  assert.doesNotMatch(await page.innerText('main'), /Restart needed/);
  await shot('settings-feed-added');
  // On a phone the feeds table scrolls inside its card (a named region the keyboard can reach),
  // as the other wide tables do, never the page itself.
  await page.setViewportSize({ width: 390, height: 900 });
  const region = page.locator('#feeds section.table-scroll[aria-label="Vendor feeds"][tabindex="0"]');
  assert.equal(await region.locator('table td code:text-is("debian")').count(), 1);
  const wide = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(wide <= 390, `the settings page is ${wide} px wide at 390 px`);
  await shot('settings-feeds-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // A trust change: the page asks first, about that setting only, then it is saved.
  await page.fill('#f-cache-clients', '127.0.0.0/8');
  await page.click('button:text("Save package cache")');
  await page.waitForSelector('h1:text("Change allowed clients?")');
  await page.click('button:text("Confirm")');
  await page.waitForSelector('text=Package cache saved.');
  assert.deepEqual(dialogs, []);

  // Saved far down the page, the outcome (and the restart it needs) is where the eye is: the page
  // shows its top, where they are, not some card further down.
  const tftp = page.locator('section:has(h2:text("TFTP for network devices"))');
  await tftp.locator('input[type=checkbox]').check();
  await tftp.locator('button[type=submit]').click();
  await page.waitForSelector('text=TFTP for network devices saved.');
  const notice = await page.locator('text=TFTP for network devices saved.').boundingBox();
  assert.ok(notice && notice.y >= 0 && notice.y < 900, `the notice is at y=${notice?.y}, out of view`);
  assert.ok(await page.locator('button:text("Restart now")').isVisible());

  // Sync the new feed from the UI: its fixes fill the catalog without a restart.
  await page.click('#feeds button:text("Sync now")');
  await page.waitForURL(/\/patches\/feeds$/);
  for (const deadline = Date.now() + 30_000; ; await page.waitForTimeout(250)) {
    await page.goto(new URL('/patches', daemon.url).href);
    if (!(await page.innerText('main')).includes('No vendor feeds synchronised yet')) break;
    assert.ok(Date.now() < deadline, 'the new feed was synchronised');
  }
  await shot('settings-feed-synced');
  const saved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  assert.deepEqual(saved.catalog.feeds, [{ id: 'debian', kind: 'debian-tracker', url: trackerUrl }]);
  assert.deepEqual(problems, []);
});
