/**
 * Headless Chromium (Debian's, driven by playwright-core) for the UI tests, launched with the
 * flags this closed network needs, closed when the test ends.
 */

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { spawnDaemon } from './integration/daemon/spawn-daemon.js';
import { setupCodeOf } from './support/setup-code.js';
import { onTeardown, tempDir } from './temp-dir.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or false. */
export const chromiumMissing: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

export const launchBrowser = async (t: TestContext): Promise<Browser> => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // Without these Chromium keeps calling out, and this network refuses every call.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  return browser;
};

/**
 * First-run setup as a technician does it: open the UI, type the setup code the appliance shows
 * (read from its data directory), choose the password, land on the Dashboard.
 */
export const setUpInBrowser = async (
  page: Page,
  url: string,
  dataDir: string,
  password = 'browser passphrase 1',
) => {
  await page.goto(url);
  await page.fill('form[action="/setup"] input[name=code]', await setupCodeOf(dataDir));
  await page.fill('input[name=password]', password);
  await page.fill('input[name=confirm]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:text("Dashboard")');
};

/** Follow a link of the main navigation, opening the Menu first where it is folded (a phone). */
export const clickNav = async (page: Page, label: string) => {
  const menu = page.locator('button.menu');
  if (await menu.isVisible()) await menu.click();
  await page.click(`nav a:text-is("${label}")`);
};

/**
 * The real daemon on a fresh data dir and a browser page on it (at a viewport, e.g. a phone's).
 * `config` is written as its config.json first; `bypassCSP` lets a test inject a checker such as
 * axe-core into pages whose policy forbids it.
 */
export const daemonInBrowser = async (
  t: TestContext,
  viewport?: { width: number; height: number },
  options: { bypassCSP?: boolean; config?: object } = {},
) => {
  const dir = await tempDir(t);
  if (options.config) await writeFile(join(dir, 'config.json'), JSON.stringify(options.config));
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  const browser = await launchBrowser(t);
  const page = await browser.newPage({
    ...(viewport ? { viewport } : {}),
    ...(options.bypassCSP ? { bypassCSP: true } : {}),
  });
  return { dir, daemon, page };
};
