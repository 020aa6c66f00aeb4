/**
 * A deployment in a real browser against the real daemon (in-process, with test-only host
 * adapters): tick an advisory on Patches, preview the plan, create the draft, approve it, run it
 * now, and watch the page's htmx polling turn the held host from installing to verified without
 * a reload. Screenshots go to PD_SCREENSHOTS (default: the test's temp dir) for a person to look at.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumMissing, launchBrowser, setUpInBrowser } from '../../browser.js';
import { waitFor } from '../../support/wait-for.js';
import { tempDir } from '../../temp-dir.js';
import { HIGH, MEDIUM, startDeployApp } from './deploy-app.js';

test('create, approve, run now and watch a deployment verify in the browser', {
  skip: chromiumMissing,
  timeout: 120_000,
}, async (t) => {
  const s = await startDeployApp(t);
  const shots = process.env.PD_SCREENSHOTS ?? (await tempDir(t));
  await mkdir(shots, { recursive: true });
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  await setUpInBrowser(page, s.url, s.dataDir);
  await page.click('nav a:text("Patches")');
  await page.waitForSelector('h1:text("Patches")');
  await page.check(`input[name=advisory][value="${HIGH}"]`);
  await shot('1-patches');
  await page.click('button:text("Deploy selected")');
  await page.waitForSelector('h1:text("New deployment: preview")');
  assert.match(await page.innerText('main'), /Plan: 3 hosts to change/);
  await shot('2-preview');
  await page.fill('input[name=title]', 'expat on every desk');
  await page.click('button:text("Create draft")');
  await page.waitForSelector('h1:text("expat on every desk")');
  assert.match(await page.innerText('#deployment-live'), /State: draft/);

  await page.fill('input[name=value]', HIGH);
  await page.click('button:text("Approve")');
  await page.waitForSelector('text=Approved; the audit log');
  assert.match(await page.innerText('#approvals'), new RegExp(`approve advisory ${HIGH}`));

  let release!: () => void;
  s.site.host(s.hosts[0]!).holdInstall = new Promise<void>((r) => {
    release = r;
  });
  await page.click('button:text("Run now (ignore maintenance windows)")');
  await page.waitForSelector('text=Started.');
  await waitFor(() => s.site.ran('install').length > 0, 'an install to start');
  await page.waitForSelector('#deployment-live[hx-trigger="every 2s"]');
  await shot('3-running');
  await page.evaluate(() => {
    (globalThis as { marker?: number }).marker = 42;
  });
  release();
  await page.waitForSelector('#deployment-live:has-text("3 verified")', { timeout: 30_000 });
  assert.equal(await page.evaluate(() => (globalThis as { marker?: number }).marker), 42, 'no reload');
  assert.equal(await page.locator('#deployment-live[hx-trigger]').count(), 0, 'polling stopped');
  assert.match(await page.innerText('#deployment-live'), /State: completed/);
  await shot('4-verified');

  await page.click(`a[href$="/hosts/${s.hosts[0]}"]:text("log")`);
  await page.waitForSelector('h1:has-text("verified")');
  assert.match(await page.innerText('main'), /\$ install/);
  await shot('5-host-log');

  // On a phone the deployment pages' tables scroll inside their card, never the page itself.
  const deployment = page.url().replace(/\/hosts\/.*$/, '');
  await page.setViewportSize({ width: 390, height: 900 });
  for (const [name, path] of [
    ['6-phone-deployment', deployment],
    ['7-phone-deployments', '/deployments'],
  ] as const) {
    await page.goto(new URL(path, s.url).href);
    await page.waitForLoadState('load');
    const wide = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(wide <= 390, `${path} at 390 px: the page is ${wide} px wide`);
    await shot(name);
  }
  // Its approvals and rings are read on the phone as labelled lines, not scrolled sideways.
  await page.goto(deployment);
  for (const label of ['Approvals', 'Rings', 'Hosts']) {
    const region = page.locator(`section.table-scroll[aria-label="${label}"]`);
    const [scroll, client] = await region.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    assert.ok(scroll <= client, `at 390 px the ${label} table is ${scroll} px wide in a ${client} px card`);
  }
  const what = page.locator('#approvals td[data-label="What"]').first();
  type Styled = { getComputedStyle(el: unknown, pseudo: string): { content: string } };
  const before = (el: unknown) => (globalThis as unknown as Styled).getComputedStyle(el, '::before').content;
  assert.equal(await what.evaluate(before), '"What: "', 'each line says what it is');
  assert.match(await what.innerText(), new RegExp(`approve advisory ${HIGH}`));
  // So are the host page's lists: its deployments, installed packages and missing fixes.
  await page.goto(new URL(`/hosts/${s.hosts[1]}`, s.url).href);
  await shot('8-phone-host');
  for (const id of ['deployments', 'packages', 'fixes']) {
    const card = page.locator(`section#${id}`);
    assert.equal(await card.locator('table').count(), 1, `the host page has its ${id} table`);
    const [scroll, client] = await card.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    assert.ok(scroll <= client, `at 390 px the host's ${id} card is ${scroll} px wide in ${client} px`);
  }
  assert.deepEqual(problems, []);
});

test('a failed host keeps its actions on a 1280 px screen: the reason wraps, the table does not scroll', {
  skip: chromiumMissing,
  timeout: 120_000,
}, async (t) => {
  const s = await startDeployApp(t, { hosts: ['pc-1'] });
  const reason =
    'install: the post-installation script of libexpat1 failed (exit 1) and a long tail of words';
  s.site.add(s.hosts[0]!, {
    installed: { libexpat1: '2.5.0-1+deb12u1', curl: '7.88.1-10+deb12u15' },
    installFails: { kind: 'permanent', reason },
  });
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await setUpInBrowser(page, s.url, s.dataDir);
  // Two advisories: the host upgrades two packages, each package=version on a line of its own.
  await page.goto(new URL(`/deployments/new?advisory=${HIGH}&advisory=${MEDIUM}`, s.url).href);
  await page.click('button:text("Create draft")');
  await page.waitForSelector('#approvals');
  await page.selectOption('#approvals select', { label: 'host group' });
  await page.fill('input[name=value]', 'default');
  await page.click('button:text("Approve")');
  await page.waitForSelector('text=Approved; the audit log');
  await page.click('button:text("Run now (ignore maintenance windows)")');
  await page.waitForSelector('#deployment-live:has-text("State: halted")', { timeout: 30_000 });
  for (const label of ['Hosts', 'Rings']) {
    const region = page.locator(`section.table-scroll[aria-label="${label}"]`);
    const [scroll, client] = await region.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    assert.ok(scroll <= client, `the ${label} table is ${scroll} px wide in a ${client} px card`);
  }
  const buttons = page.locator('button:has-text("again")');
  assert.equal(await buttons.count(), 2, 'one per update');
  for (const allow of await buttons.all()) {
    const box = await allow.boundingBox();
    assert.ok(box && box.x + box.width <= 1280, `Allow … again at x=${box?.x}`);
  }
});
