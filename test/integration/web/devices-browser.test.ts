/**
 * A technician's first walk through the Devices page, on a phone (390 px) in a real browser, over
 * the real daemon with TFTP on loopback: upload a phone config, fetch it with atftp, read Recent
 * transfers. The page stays within the screen, a file name is not squeezed into a column a few
 * letters wide, and a refused transfer is coloured differently from a complete one.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumMissing, clickNav, launchBrowser, setUpInBrowser } from '../../browser.js';
import { atftpGet } from '../../support/atftp.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

const PHONE = { width: 390, height: 844 };
const CONFIG_NAME = 'SEP001122334455.cnf.xml';

test('on a phone: upload a config, fetch it over TFTP, read the transfers', {
  skip: chromiumMissing,
  timeout: 90_000,
}, async (t) => {
  const dir = await tempDir(t);
  const tftp = { enabled: true, address: '127.0.0.1', port: 0, clients: ['127.0.0.1/32'] };
  await writeFile(join(dir, 'config.json'), JSON.stringify({ tftp }));
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  // The TFTP server is bound before the web UI, whose "listening" spawnDaemon waited for.
  const port = Number(daemon.logs.find((l) => l.msg === 'TFTP server listening')?.port);
  assert.ok(port > 0, 'the TFTP server is listening');

  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: PHONE });
  await setUpInBrowser(page, daemon.url, dir, 'phone passphrase 1');
  await clickNav(page, 'Devices');
  await page.waitForSelector('h1:text("Network devices")');

  const local = join(dir, CONFIG_NAME);
  await writeFile(local, '<device><loadInformation>P00308010200</loadInformation></device>\n');
  await page.setInputFiles('input[name=file]', local);
  await page.click('button:text("Upload")');
  await page.waitForSelector(`text=${CONFIG_NAME} is served over TFTP`);

  await atftpGet({
    server: '127.0.0.1',
    port,
    file: CONFIG_NAME,
    out: join(dir, 'got.xml'),
    timeoutSeconds: 30,
  });
  await assert.rejects(
    atftpGet({
      server: '127.0.0.1',
      port,
      file: 'missing.cfg',
      out: join(dir, 'no.xml'),
      timeoutSeconds: 30,
    }),
  );
  await page.goto(new URL('/devices', daemon.url).href);
  const rows = page.locator('tr', { hasText: 'ago' }).filter({ has: page.locator('td[data-label=Outcome]') });
  const complete = rows.filter({ hasText: CONFIG_NAME });
  const refused = rows.filter({ hasText: 'missing.cfg' });
  assert.match(await complete.innerText(), /complete in/);
  assert.match(await refused.innerText(), /refused: file not found/);

  assert.ok(
    (await page.evaluate<number>('document.documentElement.scrollWidth')) <= PHONE.width,
    'the page fits the phone',
  );
  const nameWidth = (await complete.locator('code').boundingBox())?.width ?? 0;
  assert.ok(nameWidth > 150, `the file name has room on one line (${nameWidth} px)`);
  // Runs in the page; this project compiles without the DOM types, so the one call is typed here.
  type Styled = { getComputedStyle(el: unknown): { color: string }; document: { body: unknown } };
  const colour = (row: typeof complete) =>
    row
      .locator('td[data-label=Outcome]')
      .evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).color);
  const body = await page.evaluate(() => {
    const w = globalThis as unknown as Styled;
    return w.getComputedStyle(w.document.body).color;
  });
  assert.notEqual(await colour(complete), body, 'a complete transfer is marked');
  assert.notEqual(await colour(refused), await colour(complete), 'a refused one looks different');
});
