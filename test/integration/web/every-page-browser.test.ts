/**
 * Every page of the real daemon in a real browser at a phone's, a tablet's and a desktop's width:
 * a full-page screenshot of each (kept under test-results/pages/<width>/ for a person to look at),
 * axe-core's audit with no serious or critical violation, no horizontal scrolling of the page
 * itself (a wide table scrolls inside its card), and no action only a mouse can reach; the
 * desktop width once more in the dark scheme. On a phone the navigation folds behind a button.
 * The pages are the navigation, the sub-pages linked from them (followed, so a new page is walked
 * without editing this list), the sign-in and setup pages, a confirmation page and an error page.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { NAV } from '../../../web/views/layout.js';
import { chromiumMissing, daemonInBrowser, setUpInBrowser } from '../../browser.js';
import { SshdServer, sshdUnavailable } from '../../support/sshd-server.js';
import { serveTrackerFixture as serveTracker } from '../../support/tracker-fixture.js';

/**
 * Settings that fill the Devices, Feeds, Patches and Cache pages, every address on loopback: the
 * TFTP server listens there, one feed is a tracker file served by the test (its advisories fill
 * Patches), another feed and the cache's upstream are a closed port (their errors show).
 */
const loopbackOnly = (trackerUrl: string) => ({
  tftp: { enabled: true, address: '127.0.0.1', port: 0, clients: ['127.0.0.1/32'] },
  catalog: {
    feeds: [
      { id: 'debian', kind: 'debian-tracker', url: trackerUrl },
      { id: 'gone', kind: 'debian-tracker', url: 'http://127.0.0.1:9/tracker.json' },
    ],
  },
  cache: { upstreams: ['http://127.0.0.1:9/debian'] },
});

/** The advisory of the walk's deployment: for the bash this machine has, fixed in a newer build. */
const ADVISORY = 'CVE-2099-0001';
/**
 * A tracker entry for the bash installed here (the machine that sshd on loopback shows the
 * appliance), fixed in a version just above it: Patches lists a fix that machine misses.
 */
const bashAdvisory = async () => {
  const release = await readFile('/etc/os-release', 'utf8');
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(release)?.[1] ?? 'bookworm';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
  const version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'bash'], { encoding: 'utf8' });
  const fixed = `${version}+pd1`;
  return {
    bash: {
      [ADVISORY]: {
        description: 'A test advisory for the bash of the walked machine.',
        scope: 'local',
        releases: {
          [codename]: {
            status: 'resolved',
            repositories: { [codename]: fixed },
            fixed_version: fixed,
            urgency: 'high',
          },
        },
      },
    },
  };
};

/**
 * A machine to manage as a technician adds one: the appliance's key authorised on an sshd on
 * 127.0.0.2 (this machine), its credentials saved on Inventory. Its collection succeeds.
 */
const addManagedMachine = async (page: Page, sshd: SshdServer) => {
  await sshd.setAuthorizedKeys([
    (await page.inputValue('textarea[aria-label="Appliance public key"]')).trim(),
  ]);
  await page.fill('input[name=address]', '127.0.0.2');
  await page.fill('input[name=username]', 'root');
  await page.fill('input[name=port]', String(sshd.port));
  await page.click('button:text("Save")');
  await page.waitForSelector(`code:text("root@127.0.0.2:${sshd.port}")`);
};

/**
 * Patches → tick the advisory → Deploy selected → Create draft: the deployment's own page. Returns
 * its host's log page (a draft's shows what the host waits for; no "log" link leads there yet).
 */
const draftDeployment = async (page: Page, at: (path: string) => string): Promise<string> => {
  for (const deadline = Date.now() + 60_000; ; await page.waitForTimeout(500)) {
    await page.goto(at('/patches'));
    if ((await page.locator(`input[name=advisory][value="${ADVISORY}"]`).count()) > 0) break;
    assert.ok(Date.now() < deadline, `the collected machine misses ${ADVISORY} on Patches`);
  }
  await page.check(`input[name=advisory][value="${ADVISORY}"]`);
  await page.click('button:text("Deploy selected")');
  await page.waitForSelector('h1:text("New deployment: preview")');
  await page.fill('input[name=title]', 'bash on the walked machine');
  await page.click('button:text("Create draft")');
  await page.waitForSelector('h1:text("bash on the walked machine")');
  const host = await page.getAttribute('main table a[href^="/hosts/"]', 'href');
  return `${new URL(page.url()).pathname}${host}`;
};

interface View {
  width: number;
  dark?: boolean;
  /** Where its screenshots go under OUT, and how problems name it. */
  dir: string;
}
/** A phone, a tablet and a desktop, and the desktop once more in the dark scheme. */
const VIEWS: View[] = [
  { width: 390, dir: '390' },
  { width: 768, dir: '768' },
  { width: 1280, dir: '1280' },
  { width: 1280, dark: true, dir: '1280-dark' },
];
const PHONE = 390;
const OUT = fileURLToPath(new URL('../../../test-results/pages/', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

// Run in the page (this project's TypeScript has no DOM types, so page code is written as text).
const RUN_AXE = `axe.run(document, { resultTypes: ['violations'] }).then((r) =>
  r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`;

/**
 * Elements that act on a click but that the keyboard cannot reach: htmx's default trigger for
 * anything but a form or a form control is a click, and a div or a row takes no focus.
 */
const MOUSE_ONLY = `[...document.querySelectorAll('[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete],[onclick]')]
  .filter((e) => !e.matches('a[href],button,input,select,textarea,form,[tabindex]:not([tabindex="-1"])'))
  .filter((e) => e.hasAttribute('onclick') || !e.hasAttribute('hx-trigger') || /\\bclick\\b/.test(e.getAttribute('hx-trigger')))
  .map((e) => e.outerHTML.slice(0, 120))`;

/** Every problem found, as lines a person can act on: which page, which width, what is wrong. */
const problems: string[] = [];
/** Violations of any impact by rule, for the summary (moderate and minor ones do not fail). */
const tally = new Map<string, number>();
/** Where the moderate and minor ones are, printed for whoever wants to fix them too. */
const lesser: string[] = [];

/** axe-core on the page as it stands; serious and critical violations become problems. */
const audit = async (page: Page, where: string) => {
  if (!(await page.evaluate<boolean>("typeof axe === 'object'"))) await page.addScriptTag({ path: AXE });
  for (const v of await page.evaluate<Violation[]>(RUN_AXE)) {
    const rule = `${v.impact} ${v.id}`;
    tally.set(rule, (tally.get(rule) ?? 0) + v.targets.length);
    const first = v.targets.slice(0, 3).join(' | ');
    const line = `${where}: ${v.impact} ${v.id} (${v.help}) × ${v.targets.length}: ${first}`;
    (v.impact === 'serious' || v.impact === 'critical' ? problems : lesser).push(line);
  }
};

const fileNameOf = (path: string) =>
  path === '/' ? 'dashboard' : path.replace(/^\//, '').replace(/[^a-z0-9.-]+/gi, '_');

/** Screenshot, overflow check and audit of the page now showing, at the current width. */
const inspect = async (page: Page, name: string, view: View) => {
  await page.waitForLoadState('load');
  const where = `${name} @${view.dir}`;
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  if (scrollWidth > view.width) problems.push(`${where}: the page is ${scrollWidth} px wide`);
  for (const e of await page.evaluate<string[]>(MOUSE_ONLY)) problems.push(`${where}: mouse only: ${e}`);
  await page.screenshot({ path: join(OUT, view.dir, `${fileNameOf(name)}.png`), fullPage: true });
  await audit(page, where);
};

/** Same-origin pages linked from the page showing (no downloads, no API, no sign-out). */
const linksOn = async (page: Page): Promise<string[]> => {
  const hrefs = await page.evaluate<string[]>(
    "[...document.querySelectorAll('main a[href]')].map((a) => a.href)",
  );
  const origin = new URL(page.url()).origin;
  return hrefs
    .map((h) => new URL(h))
    .filter(
      (u) => u.origin === origin && !/\.(csv|json|pdbackup)$|^\/(api|metrics|static)\b/.test(u.pathname),
    )
    .map((u) => u.pathname + u.search);
};

/**
 * One page per shape of path: /activity/job-1 and /activity/job-2 are the same page, and so are
 * two filters or sort orders of one list; a ?view= is a page of its own (Patches by advisory).
 */
const shapeOf = (path: string) => {
  const url = new URL(path, 'http://x');
  const view = url.searchParams.get('view');
  const shape = url.pathname.replace(/\/[^/]*\d[^/]*/g, '/:id').replace(/\/:id(\/:id)+/g, '/:id');
  return view ? `${shape}?view=${view}` : shape;
};

/** A form post the way a browser without JavaScript sends it: the confirmation page answers. */
const plainPost = (page: Page, action: string) =>
  page.evaluate(`{
    const form = document.createElement('form');
    form.method = 'post';
    form.action = ${JSON.stringify(action)};
    const csrf = document.createElement('input');
    csrf.type = 'hidden';
    csrf.name = '_csrf';
    csrf.value = document.querySelector('input[name=_csrf]').value;
    form.append(csrf);
    document.body.append(form);
    form.submit();
  }`);

/**
 * On a phone the navigation folds behind one Menu button, which opens it by mouse or keyboard and
 * shows every link on the screen; following one lands on its page with the menu folded again. On
 * a wide screen every link shows without the button.
 */
const menuFolds = async (page: Page, home: string) => {
  const nav = page.locator('nav[aria-label=Main]');
  const menu = page.locator('button.menu');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(home);
  assert.equal(await nav.locator('a:visible').count(), NAV.length, 'wide: every link shows');
  assert.equal(await menu.isVisible(), false, 'wide: no menu button');

  await page.setViewportSize({ width: PHONE, height: 844 });
  await page.goto(home);
  assert.equal(await nav.isVisible(), false, 'phone: the links are folded away');
  assert.ok(((await page.locator('header').boundingBox())?.height ?? 999) < 80, 'phone: a one-line header');
  await menu.focus();
  await page.keyboard.press('Enter');
  await nav.waitFor({ state: 'visible' });
  for (const [, label] of NAV) {
    const box = await nav.locator(`a:text-is("${label}")`).boundingBox();
    assert.ok(
      box && box.x >= 0 && box.x + box.width <= PHONE && box.y + box.height <= 844,
      `${label} on screen`,
    );
  }
  await page.keyboard.press('Tab');
  assert.equal(
    await page.evaluate<string>('document.activeElement.textContent'),
    'Dashboard',
    'Tab reaches the links',
  );
  await page.keyboard.press('Escape');
  await nav.waitFor({ state: 'hidden' });
  await menu.click();
  await nav.locator('a:text-is("Settings")').click();
  await page.waitForSelector('h1:text("Settings")');
  assert.equal(await nav.isVisible(), false, 'phone: folded again on the new page');
  assert.equal(await page.getAttribute('nav a[aria-current=page]', 'href'), '/settings');
};

test('every page at 390, 768 and 1280 px (and dark): no serious axe-core violation, no sideways scrolling, no mouse-only action', {
  skip: chromiumMissing || sshdUnavailable() || false,
  timeout: 1_200_000, // a hang guard: 540 s at load 20, about a third of that on a quiet CI machine
}, async (t) => {
  await rm(OUT, { recursive: true, force: true });
  for (const v of VIEWS) await mkdir(join(OUT, v.dir), { recursive: true });
  t.diagnostic(`screenshots: ${OUT}`);
  const { dir, daemon, page } = await daemonInBrowser(
    t,
    { width: 1280, height: 900 },
    { bypassCSP: true, config: loopbackOnly(await serveTracker(t, await bashAdvisory())) },
  );
  const sshd = await SshdServer.create([], { address: '127.0.0.2' });
  t.after(() => sshd.dispose());
  await sshd.start();
  const at = (path: string) => new URL(path, daemon.url).href;
  const atEveryWidth = async (name: string, open: () => Promise<unknown>) => {
    for (const view of VIEWS) {
      await page.setViewportSize({ width: view.width, height: 900 });
      await page.emulateMedia({ colorScheme: view.dark ? 'dark' : 'light' });
      await open();
      await inspect(page, name, view);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  };

  // Before setup: the setup page (where every other address leads).
  await atEveryWidth('/setup', () => page.goto(at('/')));
  await page.setViewportSize({ width: 1280, height: 900 });
  await setUpInBrowser(page, daemon.url, dir, 'every page passphrase 1');

  // Something on the pages that list things, made from the UI itself (no probe leaves loopback:
  // the scope is never scanned, the host is loopback's closed discard port).
  await page.goto(at('/settings/scopes'));
  await page.fill('input[name=name]', 'Loopback only');
  await page.fill('textarea[name=include]', '127.0.0.1');
  await page.uncheck('input[name=enabled]');
  await page.click('button:text("Add scope")');
  await page.waitForSelector('main :text("Loopback only")');
  await page.goto(at('/inventory'));
  await page.fill('input[name=address]', '127.0.0.1');
  await page.fill('input[name=username]', 'patch');
  await page.fill('input[name=port]', '9');
  await page.click('button:text("Save")');
  await page.waitForSelector('text=Credentials saved.');
  await addManagedMachine(page, sshd);
  // A collection that fails for one host (nothing answers SSH there) and works for the other: a
  // run, a job, an error to show, and an inventory that misses a fix.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/inventory/collect')),
    page.click('button:text("Collect all hosts now")'),
  ]);
  await page.goto(at('/activity'));
  await page.waitForSelector('main a[href^="/activity/"]');
  // The feed sync the daemon starts at boot has filled the catalog (polled, with a deadline).
  for (const deadline = Date.now() + 30_000; ; await page.waitForTimeout(250)) {
    await page.goto(at('/patches'));
    if (!(await page.innerText('main')).includes('No vendor feeds synchronised yet')) break;
    assert.ok(Date.now() < deadline, 'the loopback feed was synchronised');
  }

  // A deployment of that fix, planned the way a technician does: its page is walked from the list.
  const hostLog = await draftDeployment(page, at);

  const seen = new Set<string>();
  const queue: string[] = [
    ...NAV.map(([href]) => href),
    '/patches/feeds',
    '/settings/scopes',
    '/settings/accounts',
    '/settings/audit',
    '/settings/config',
    '/discovery/scans',
    '/deployments/new',
    hostLog,
  ];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(shapeOf(path))) continue;
    seen.add(shapeOf(path));
    await atEveryWidth(path, () => page.goto(at(path)));
    queue.push(...(await linksOn(page)));
  }
  t.diagnostic(`pages walked: ${[...seen].join(' ')}`);
  assert.ok(seen.has('/deployments/:id'), "a deployment's own page was walked");
  assert.ok(seen.has('/deployments/:id/hosts/:id'), "and a host's log in it");

  // A page that asks first (a post without JavaScript) and a page that is not there.
  await atEveryWidth('confirm', async () => {
    await page.goto(at('/assets'));
    await Promise.all([page.waitForURL(/acknowledge-all/), plainPost(page, '/assets/acknowledge-all')]);
  });
  await atEveryWidth('not-found', () => page.goto(at('/no/such/page')));

  await menuFolds(page, at('/'));

  // After sign-out: the sign-in page.
  await page.click('button:text("Sign out")');
  await page.waitForSelector('h1:text("Sign in")');
  await atEveryWidth('/login', () => page.goto(at('/login')));

  for (const line of lesser) t.diagnostic(line);
  t.diagnostic(`axe-core violations by rule: ${JSON.stringify(Object.fromEntries(tally))}`);
  assert.deepEqual(problems, [], `${problems.length} problems; screenshots in ${OUT}`);
});
