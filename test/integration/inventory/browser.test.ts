/**
 * The Inventory page in a real browser against the real daemon and a real sshd on 127.0.0.1:
 * copy the appliance key to the host, save credentials, collect with htmx progress polling until
 * the run finishes, and see the result in the host list. No request may fail along the way.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumMissing, launchBrowser, setUpInBrowser } from '../../browser.js';
import { reportedName } from '../../support/reported-name.js';
import { SshdServer, sshdUnavailable } from '../../support/sshd-server.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

const skip = sshdUnavailable() ?? chromiumMissing;

test('add a host, collect it with live progress, see its packages on its host page', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const dir = await tempDir(t);
  const server = await SshdServer.create([]);
  t.after(() => server.dispose());
  await server.start();
  // This test is about inventory: keep the cache's LAN proxy port out of the way of other tests.
  await writeFile(join(dir, 'config.json'), JSON.stringify({ cache: { enabled: false } }));
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  const shot = async (name: string) => {
    if (process.env.PD_SCREENSHOTS)
      await page.screenshot({ path: join(process.env.PD_SCREENSHOTS, name), fullPage: true });
  };

  await setUpInBrowser(page, daemon.url, dir);

  await page.goto(new URL('/inventory', daemon.url).href);
  await page.waitForSelector('h1:text("Inventory")');
  const publicKey = (await page.inputValue('textarea[aria-label="Appliance public key"]')).trim();
  assert.match(publicKey, /^ssh-ed25519 /);
  await server.setAuthorizedKeys([publicKey]);

  await page.fill('input[name=address]', '127.0.0.1');
  await page.fill('input[name=username]', 'root');
  await page.fill('input[name=port]', String(server.port));
  await page.click('#inventory-credentials button[type=submit]');
  await page.waitForSelector('text=Credentials saved.');
  await page.waitForSelector(`code:text("root@127.0.0.1:${server.port}")`);
  await shot('inventory-hosts.png');

  await page.click('button:text("Collect now")');
  await page.waitForSelector('#inventory-run h2');
  await page.waitForSelector('#inventory-run h2:text-matches("Collection inv-[0-9a-f]{8} finished")', {
    timeout: 60_000,
  });
  const runText = await page.textContent('#inventory-run');
  assert.ok(
    new RegExp(`${reportedName('127.0.0.1')}: ok \\(\\d+ packages\\)`).test(runText ?? ''),
    runText ?? '',
  );
  await shot('inventory-run.png');
  // The last poll refreshed the host list out of band: no reload needed.
  await page.waitForSelector('#inventory-hosts span:text-matches("[0-9]+ packages · ")');
  // The pinned host key fingerprint is shown in the row.
  assert.match((await page.textContent('#inventory-hosts')) ?? '', /SHA256:/);
  // The row links to the machine's one page, which shows what was just collected; no DNS or mDNS
  // names this machine here, so the row calls it what it reports itself (`uname -n`).
  await page.click(`#inventory-hosts a:text("${reportedName('127.0.0.1')}")`);
  await page.waitForSelector('#packages h2:has-text("Installed packages (")');
  assert.match(page.url(), /\/hosts\/h-[0-9a-f]{10}$/);
  assert.ok((await page.locator('#packages tbody tr').count()) > 0, 'package rows shown');
  await shot('host-page.png');
  assert.deepEqual(problems, []);
});
