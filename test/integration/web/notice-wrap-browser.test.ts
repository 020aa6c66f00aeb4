/**
 * A notice holding a long unbroken word (a halted deployment's "HOST KEY CHANGED ... pinned
 * SHA256:pab6PMMsfH4NfNUK0WVE/vnQXAYbkYCscXbrJAXJAzE") stays inside its card on a 390 px phone:
 * the fingerprint ran out of the box and off the screen.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromiumMissing, launchBrowser } from '../../browser.js';

const css = fileURLToPath(new URL('../../../web/static/style.css', import.meta.url));
const KEY = 'SHA256:pab6PMMsfH4NfNUK0WVE/vnQXAYbkYCscXbrJAXJAzE';

test('a notice with a fingerprint in it wraps inside its card at 390 px', {
  skip: chromiumMissing,
}, async (t) => {
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.setContent(
    `<!doctype html><html><head><style>${await readFile(css, 'utf8')}</style></head><body><main>` +
      `<section class="card"><p class="notice error">ring 1 gate: HOST KEY CHANGED: pinned ${KEY}, presented ${KEY}.</p></section>` +
      '</main></body></html>',
  );
  const box = await page
    .locator('p.notice')
    .evaluate((p) => ({ scroll: p.scrollWidth, client: p.clientWidth }));
  assert.ok(box.scroll <= box.client, `the text runs ${box.scroll - box.client} px out of its box`);
  assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 390);
});
