/**
 * A technician manages host groups on Settings → Appliance settings in a real browser against the
 * real daemon: a bad group is explained field by field with nothing lost and nothing saved, a good
 * one is added with members picked from the known hosts, edited, and removed after a question
 * (htmx's confirm, and the confirm page without JavaScript). Groups apply to the next deployment
 * planned: no restart is asked. Nothing here probes the network: the hosts are loopback addresses.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumMissing, daemonInBrowser, setUpInBrowser } from '../../browser.js';
import { tempDir } from '../../temp-dir.js';

test('a tech adds, corrects, edits and removes a host group from the UI', {
  skip: chromiumMissing,
  timeout: 180_000,
}, async (t) => {
  const { dir, daemon, page } = await daemonInBrowser(t, { width: 1280, height: 900 }, { config: {} });
  const shots = process.env.PD_SCREENSHOTS ?? (await tempDir(t));
  await mkdir(shots, { recursive: true });
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  /** The groups card alone: the settings page is long. */
  const groupsShot = (name: string) =>
    page.locator('#groups').screenshot({ path: join(shots, `${name}.png`) });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const dialogs: string[] = [];
  let answer = false;
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void (answer ? d.accept() : d.dismiss());
  });
  const groupsInFile = async () =>
    (JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { deploy?: { groups?: unknown } }).deploy
      ?.groups;
  const at = (path: string) => new URL(path, daemon.url).href;
  await setUpInBrowser(page, daemon.url, dir);

  // Two known hosts (SSH access on loopback's closed discard port: never collected here).
  for (const address of ['127.0.0.1', '127.0.0.2']) {
    await page.goto(at('/inventory'));
    await page.fill('input[name=address]', address);
    await page.fill('input[name=username]', 'patch');
    await page.fill('input[name=port]', '9');
    await page.click('button:text("Save")');
    await page.waitForSelector('text=Credentials saved.');
  }

  await page.goto(at('/settings/config#groups'));
  assert.match(await page.innerText('#groups'), /No host groups yet/);
  // The picker offers machines (stored as host:<id>), not their addresses.
  const memberOf = async (address: string) =>
    (await page.getAttribute(`#groups label:has-text("${address}") input`, 'value')) ?? '';
  const [first, second] = [await memberOf('127.0.0.1'), await memberOf('127.0.0.2')];
  assert.match(first, /^host:h-[0-9a-f]{10}$/);
  assert.match(second, /^host:h-[0-9a-f]{10}$/);
  assert.doesNotMatch(await page.innerText('#file-only'), /deploy\.groups/, 'no longer read-only');

  // A bad group: every problem next to its field, what was typed kept, nothing saved.
  await page.fill('#group-name', 'Front Desk');
  await page.selectOption('#group-ring', '0');
  await page.check('#groups label:has-text("127.0.0.1") input');
  await page.fill('#group-others', 'printer');
  await page.fill('#group-window', 'Sat 25:00-Sun 04:00');
  await page.click('button:text("Add group")');
  await page.waitForSelector('#group-name-error');
  assert.match(await page.innerText('#group-name-error'), /1-40 lowercase letters, digits and dashes/);
  assert.match(await page.innerText('#group-others-error'), /address or CIDR/);
  assert.ok(await page.isVisible('#group-window-error'), 'the impossible window is named');
  assert.equal(await page.getAttribute('#group-name', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#group-name'), 'Front Desk');
  assert.equal(await page.inputValue('#group-window'), 'Sat 25:00-Sun 04:00');
  assert.equal(await page.isChecked('#groups label:has-text("127.0.0.1") input'), true);
  assert.equal(await page.inputValue('#group-ring'), '0');
  assert.equal(await groupsInFile(), undefined);
  await groupsShot('groups-1-bad-input');

  await page.fill('#group-name', 'pilot');
  await page.fill('#group-others', '10.9.0.0/24');
  await page.fill('#group-window', 'Sat 22:00-Sun 04:00');
  await page.click('button:text("Add group")');
  await page.waitForSelector('text=Host group pilot saved.');
  assert.match(await page.innerText('main'), /In use now: Host groups/);
  assert.equal(await page.locator('#restart').count(), 0, 'no restart is asked for host groups');
  assert.match(
    await page.innerText('#groups tbody'),
    /pilot\s+0\s+127\.0\.0\.1, 10\.9\.0\.0\/24\s+Sat 22:00-Sun 04:00/,
  );
  assert.deepEqual(await groupsInFile(), [
    {
      name: 'pilot',
      ring: 0,
      members: [first, '10.9.0.0/24'],
      reboot: 'if-required',
      window: 'Sat 22:00-Sun 04:00',
    },
  ]);
  await groupsShot('groups-2-added');

  // Edit: the form opens with the group as saved; members change by name.
  await page.click('#groups a:has-text("Edit")');
  await page.waitForSelector('h3:text("Edit group pilot")');
  assert.equal(await page.isChecked('#groups label:has-text("127.0.0.1") input'), true);
  assert.equal(await page.inputValue('#group-others'), '10.9.0.0/24');
  await page.selectOption('#group-ring', '1');
  await page.uncheck('#groups label:has-text("127.0.0.1") input');
  await page.check('#groups label:has-text("127.0.0.2") input');
  await page.fill('#group-others', '');
  await page.selectOption('#group-reboot', 'never');
  await page.click('button:text("Save group pilot")');
  await page.waitForSelector('text=Host group pilot saved.');
  assert.deepEqual(await groupsInFile(), [
    { name: 'pilot', ring: 1, members: [second], reboot: 'never', window: 'Sat 22:00-Sun 04:00' },
  ]);
  await groupsShot('groups-3-edited');
  // The editor with its picked host, on a phone and on a desk.
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    // (Not a same-document jump: the URL may already be this one, from the Edit link.)
    await page.goto(at('/settings'));
    await page.goto(at('/settings/config?group=pilot#groups'));
    assert.equal(await page.isChecked('#groups label:has-text("127.0.0.2") input'), true);
    const wide = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(wide <= width, `the editor is ${wide} px wide at ${width} px`);
    await groupsShot(`groups-3-editor-${width}`);
  }

  // Without JavaScript the removal lands on a page that asks; cancelling it changes nothing.
  await Promise.all([
    page.waitForURL(/\/groups\/pilot\/remove$/),
    page.evaluate(`{
      const form = document.querySelector('#groups form[action$="/remove"]');
      for (const a of ['hx-post', 'hx-confirm', 'hx-target', 'hx-swap']) form.removeAttribute(a);
      form.submit();
    }`),
  ]);
  assert.match(await page.innerText('h1'), /Remove the host group "pilot"\?/);
  await shot('groups-4-confirm-page');
  await page.click('a:text("Cancel")');
  assert.equal(((await groupsInFile()) as unknown[]).length, 1);

  // With htmx: dismissed, nothing happens; accepted, it is gone.
  await page.click('#groups button:has-text("Remove")');
  assert.equal(dialogs.length, 1);
  assert.match(dialogs[0]!, /Remove the host group "pilot"\?/);
  assert.equal(((await groupsInFile()) as unknown[]).length, 1);
  answer = true;
  await page.click('#groups button:has-text("Remove")');
  await page.waitForSelector('text=Host group pilot saved.');
  assert.match(await page.innerText('#groups'), /No host groups yet/);
  assert.deepEqual(await groupsInFile(), []);

  // On a phone the editor fits the screen.
  await page.setViewportSize({ width: 390, height: 900 });
  await page.goto(at('/settings/config#groups'));
  const wide = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(wide <= 390, `the settings page is ${wide} px wide at 390 px`);
  await groupsShot('groups-5-phone');
  assert.deepEqual(problems, []);
});
