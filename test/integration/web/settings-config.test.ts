/**
 * Settings → Appliance settings over the real web app and a real config file in a temp dir: each
 * form saves valid values (keeping the file's other keys), refuses invalid ones with the schema's
 * message next to the field, refuses fields that are not settings, refuses a stale form, asks
 * first for trust changes, audits every change, and is for admins only.
 */
import assert from 'node:assert/strict';
import { chmod, lstat, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { PASSWORD } from './harness.js';
import { errorOf, formOf, HAND_WRITTEN, settingsHarness } from './settings-harness.js';

test('the page shows each form with the values in use and the file-only settings with their JSON path', async (t) => {
  const { admin } = await settingsHarness(t);
  const res = await admin.request('/settings/config');
  const html = await res.text();
  assert.equal(res.status, 200);
  assert.match(html, /<h1>Appliance settings<\/h1>/);
  assert.match(html, /id="f-site-name"[^>]*value="Branch 7"|value="Branch 7"[^>]*id="f-site-name"/);
  for (const id of ['feeds', 'site', 'catalog', 'cache', 'proxy', 'tftp', 'deploy', 'file-only'])
    assert.match(html, new RegExp(`id="${id}"`));
  assert.match(html, /<code>discovery.packetsPerSecond<\/code><\/td><td class="wrap"><code>1000<\/code>/);
  assert.doesNotMatch(
    html,
    /<code>site.name<\/code><\/td>/,
    'an editable setting is not in the read-only list',
  );
  assert.match(await (await admin.request('/settings')).text(), /href="\/settings\/config"/);
});

test('a valid change is written atomically, keeps the rest of the file, applies and is audited', async (t) => {
  const { h, admin, fileJson } = await settingsHarness(t);
  const form = await formOf(admin);
  const res = await admin.post('/settings/config/site', { ...form, 'site.name': 'Branch 8 (north)' });
  assert.equal(res.status, 303);
  // Without JavaScript the page opens at its top, where the "saved" notice is, not at the section
  // far below it (the notice was then out of sight).
  assert.equal(res.headers.get('location'), '/settings/config?saved=site#settings-main');
  const file = await fileJson();
  assert.deepEqual(file, { ...HAND_WRITTEN, site: { name: 'Branch 8 (north)' } });
  const page = await (await admin.request(res.headers.get('location')!)).text();
  assert.match(page, /Site saved\./);
  assert.doesNotMatch(page, /Restart needed/, 'the site name applies without a restart');
  const audit = await (await admin.request('/settings/audit')).text();
  assert.match(audit, /setting site.name: &quot;Branch 7&quot; -&gt; &quot;Branch 8 \(north\)&quot;/);
  assert.ok(h.log.lines.some((l) => l.msg === 'settings changed'));

  // With htmx: the page itself, saying what applies now.
  const again = await formOf(admin);
  const hx = await admin.post(
    '/settings/config/cache',
    { ...again, 'cache.wanRateKBps': '512', 'cache.windows': '22:00-06:00', 'cache.quotaMB': '4096' },
    { 'hx-request': 'true' },
  );
  const text = await hx.text();
  assert.equal(hx.status, 200, text);
  assert.match(
    text,
    /Package cache saved\. In use now: WAN rate \(KiB\/s\), Download windows\. In use after a restart: Disk quota \(MiB\)\./,
  );
  assert.match(text, /Restart needed/);
  assert.match(text, /only after a restart: Disk quota \(MiB\) \(<code>cache.quotaMB<\/code>\)/);
  const cache = (await fileJson()).cache as Record<string, unknown>;
  assert.deepEqual(cache, { wanRateKBps: 512, windows: ['22:00-06:00'], quotaMB: 4096 });

  // Deployment settings: checked by the schema (a zone that does not exist is named), then saved:
  // the gate for the next deployment planned, the job limit for the next start.
  const zone = await admin.post('/settings/config/deploy', {
    ...(await formOf(admin)),
    'deploy.timeZone': 'Mars/Olympus',
  });
  assert.equal(zone.status, 400);
  assert.ok(errorOf(await zone.text(), 'f-deploy-timeZone'), 'the zone is refused next to its field');
  const deploy = await admin.post(
    '/settings/config/deploy',
    { ...(await formOf(admin)), 'deploy.concurrency': '3', 'deploy.gate.soakHours': '12' },
    { 'hx-request': 'true' },
  );
  assert.match(
    await deploy.text(),
    /Deployments saved\. In use now: Soak time \(hours\)\. In use after a restart: Hosts at a time\./,
  );
  assert.deepEqual((await fileJson()).deploy, { concurrency: 3, gate: { soakHours: 12 } });
});

test('an invalid value is refused with the schema message next to its field; nothing is written', async (t) => {
  const { admin, fileJson } = await settingsHarness(t);
  const form = await formOf(admin);
  for (const [field, value, expected] of [
    ['cache.wanRateKBps', '-5', /^must be at least 0$/],
    ['cache.quotaMB', '3', /^must be at least 16$/],
    ['cache.wanRateKBps', 'fast', /enter a whole number/],
    ['cache.windows', '9-17', /entry 1: expected HH:MM-HH:MM/],
    ['cache.upstreams', 'ftp://mirror.example/debian', /entry 1: /],
    ['cache.clients', '10.0.0.0/99', /entry 1: /],
  ] as const) {
    const res = await admin.post('/settings/config/cache', { ...form, [field]: value, confirm: 'yes' });
    const html = await res.text();
    assert.equal(res.status, 400, `${field}=${value}`);
    const id = `f-${field.replaceAll('.', '-')}`;
    assert.match(errorOf(html, id) ?? '', expected, `${field}=${value}: ${errorOf(html, id)}`);
    assert.match(html, /aria-invalid="true"/);
    assert.ok(html.includes(value), 'what was typed stays in the form');
  }
  const site = await admin.post('/settings/config/site', { ...form, 'site.name': 'x'.repeat(81) });
  assert.match(errorOf(await site.text(), 'f-site-name') ?? '', /^must be at most 80 characters$/);
  const keys = await admin.post('/settings/config/catalog', {
    ...form,
    'catalog.trustedKeys': 'not a key\nthis line is long enough to pass a length check alone',
    confirm: 'yes',
  });
  assert.equal(keys.status, 400);
  assert.match(
    errorOf(await keys.text(), 'f-catalog-trustedKeys') ?? '',
    /^entry 1: not an Ed25519 public key: paste the line `patch-depot catalog keygen` printed/,
  );
  assert.deepEqual(await fileJson(), HAND_WRITTEN);
});

test('a field that is not a setting of the form is refused; so is a section that does not exist', async (t) => {
  const { admin, fileJson } = await settingsHarness(t);
  const form = await formOf(admin);
  const res = await admin.post('/settings/config/site', { ...form, 'site.name': 'X', 'http.port': '1' });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /Not a setting of site: http.port\. Nothing was saved\./);
  const feed = await admin.post('/settings/config/feeds', {
    ...form,
    id: 'x',
    kind: 'osv',
    url: 'http://a.example/',
    admin: '1',
  });
  assert.equal(feed.status, 400);
  assert.match(await feed.text(), /Not a field of a feed: admin\./);
  assert.equal((await admin.post('/settings/config/http', { ...form })).status, 404);
  assert.deepEqual(await fileJson(), HAND_WRITTEN);
});

test('a form loaded before a hand edit is refused, keeps what was typed and loses neither change', async (t) => {
  const { admin, file, fileJson } = await settingsHarness(t);
  const form = await formOf(admin);
  const edited = { ...HAND_WRITTEN, log: { level: 'debug' } };
  await writeFile(file, JSON.stringify(edited));
  const res = await admin.post('/settings/config/site', { ...form, 'site.name': 'Typed name' });
  const html = await res.text();
  assert.equal(res.status, 409);
  assert.match(html, /changed since this page was loaded/);
  assert.match(html, /value="Typed name"/);
  assert.deepEqual(await fileJson(), edited, 'the hand edit is kept');
  // The page now carries the new version: saving again works and keeps the hand edit.
  const fresh = /name="version" value="([^"]+)"/.exec(html)![1]!;
  assert.notEqual(fresh, form.version);
  const again = await admin.post('/settings/config/site', {
    ...form,
    version: fresh,
    'site.name': 'Typed name',
  });
  assert.equal(again.status, 303);
  assert.deepEqual(await fileJson(), { ...edited, site: { name: 'Typed name' } });
});

test('trust changes ask first without JavaScript; a setting fixed by the environment is not editable', async (t) => {
  const { admin, fileJson } = await settingsHarness(t);
  const form = await formOf(admin);
  const asked = await admin.post('/settings/config/cache', { ...form, 'cache.clients': '10.1.0.0/16' });
  const page = await asked.text();
  assert.equal(asked.status, 200);
  assert.match(page, /Change allowed clients\?/);
  assert.match(page, /name="cache.clients" value="10.1.0.0\/16"/);
  assert.deepEqual(await fileJson(), HAND_WRITTEN, 'nothing saved before the confirmation');
  const done = await admin.post('/settings/config/cache', {
    ...form,
    'cache.clients': '10.1.0.0/16',
    confirm: 'yes',
  });
  assert.equal(done.status, 303);
  assert.deepEqual((await fileJson()).cache, { clients: ['10.1.0.0/16'] });
  // With htmx the server asks too, and only about what the post changes: no question in the
  // browser that names settings the form leaves alone.
  const settingsPage = await (await admin.request('/settings/config')).text();
  assert.doesNotMatch(settingsPage, /hx-confirm="Save the/);
  // Each section's button names it as a sentence would, an acronym kept: not "Save tftp ...".
  assert.match(settingsPage, />Save TFTP for network devices</);
  assert.match(settingsPage, />Save package cache</);
  const hx = { 'hx-request': 'true' };
  const portOnly = await admin.post(
    '/settings/config/proxy',
    { ...(await formOf(admin)), 'cache.proxy.port': '3143', 'cache.proxy.host': '' },
    hx,
  );
  assert.equal(portOnly.status, 200);
  assert.match(await portOnly.text(), /Apt proxy port saved/);
  assert.deepEqual((await fileJson()).cache, { clients: ['10.1.0.0/16'], proxy: { port: 3143 } });
  const both = await admin.post(
    '/settings/config/proxy',
    { ...(await formOf(admin)), 'cache.proxy.port': '3144', 'cache.proxy.host': '127.0.0.1' },
    hx,
  );
  const question = await both.text();
  assert.match(question, /<h1>Change proxy listen address\?<\/h1>/);
  assert.doesNotMatch(question, /proxy port\?/i);
  assert.deepEqual(
    ((await fileJson()).cache as { proxy: unknown }).proxy,
    { port: 3143 },
    'nothing saved before the answer',
  );
  // Trusted keys: a PEM block stays one key.
  const key = `-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----`;
  const f2 = await formOf(admin);
  const keys = await admin.post('/settings/config/catalog', {
    ...f2,
    'catalog.trustedKeys': key,
    confirm: 'yes',
  });
  assert.equal(keys.status, 303);
  assert.deepEqual((await fileJson()).catalog, { trustedKeys: [key] });
});

test('a vendor feed is added, disabled, removed; a bad one is refused field by field', async (t) => {
  const { admin, fileJson } = await settingsHarness(t);
  let form = await formOf(admin);
  const bad = await admin.post('/settings/config/feeds', {
    ...form,
    id: 'Debian!',
    kind: 'osv',
    url: 'nope',
    suite: 'x',
  });
  const html = await bad.text();
  assert.equal(bad.status, 400);
  assert.match(errorOf(html, 'feed-suite') ?? '', /only for apt feeds/);
  const bad2 = await (
    await admin.post('/settings/config/feeds', { ...form, id: 'Debian!', kind: 'osv', url: 'nope' })
  ).text();
  assert.match(errorOf(bad2, 'feed-id') ?? '', /use lower-case letters, digits and -/);
  assert.match(errorOf(bad2, 'feed-url') ?? '', /expected an http:\/\/ or https:\/\/ URL/);
  const ok = await admin.post('/settings/config/feeds', {
    ...form,
    id: 'osv-debian',
    kind: 'osv',
    url: 'http://osv.example/all.zip',
  });
  assert.equal(ok.status, 303);
  assert.deepEqual((await fileJson()).catalog, {
    feeds: [{ id: 'osv-debian', kind: 'osv', url: 'http://osv.example/all.zip' }],
  });
  form = await formOf(admin);
  const dup = await admin.post('/settings/config/feeds', {
    ...form,
    id: 'osv-debian',
    kind: 'osv',
    url: 'http://b.example/',
  });
  assert.match(errorOf(await dup.text(), 'feed-id') ?? '', /exists already/);
  const toggled = await admin.post('/settings/config/feeds/osv-debian/toggle', form);
  assert.equal(toggled.status, 303);
  assert.equal(
    ((await fileJson()).catalog as { feeds: Array<{ enabled: boolean }> }).feeds[0]!.enabled,
    false,
  );
  form = await formOf(admin);
  const ask = await admin.post('/settings/config/feeds/osv-debian/remove', form);
  assert.match(await ask.text(), /Remove the feed &quot;osv-debian&quot;\?/);
  const removed = await admin.post('/settings/config/feeds/osv-debian/remove', { ...form, confirm: 'yes' });
  assert.equal(removed.status, 303);
  assert.deepEqual((await fileJson()).catalog, { feeds: [] });
  assert.equal((await admin.post('/settings/config/feeds/nope/toggle', form)).status, 404);
});

test('what needs a restart is listed and the restart is offered; only admins see or change settings', async (t) => {
  const restarts: string[] = [];
  const { h, admin, fileJson } = await settingsHarness(t, restarts, { PATCH_DEPOT_CACHE_PROXY_PORT: '0' });
  const form = await formOf(admin);
  const page = await (await admin.request('/settings/config')).text();
  assert.match(page, /id="f-cache-proxy-port" name="cache.proxy.port" disabled=""/);
  assert.match(page, /set by the environment variable PATCH_DEPOT_CACHE_PROXY_PORT, so not editable here/);
  const res = await admin.post('/settings/config/proxy', {
    ...form,
    'cache.proxy.host': '127.0.0.1',
    confirm: 'yes',
  });
  assert.equal(res.status, 303);
  assert.deepEqual(
    (await fileJson()).cache,
    { proxy: { host: '127.0.0.1' } },
    'the disabled port is left alone',
  );
  const after = await (await admin.request('/settings/config')).text();
  assert.match(after, /Restart needed/);
  assert.match(
    after,
    /the running appliance uses them only after a restart: Proxy listen address \(<code>cache.proxy.host<\/code>\)/,
  );
  const restart = await admin.post('/settings/config/restart', { _csrf: form._csrf, confirm: 'yes' });
  assert.match(await restart.text(), /The appliance restarts now with the saved settings/);
  assert.deepEqual(restarts, ['restart']);

  const csrf = await admin.csrf('/settings/accounts');
  await admin.post('/settings/accounts', {
    _csrf: csrf,
    name: 'olga',
    role: 'operator',
    password: PASSWORD,
    confirm: PASSWORD,
  });
  const operator = h.browser();
  const ocsrf = await operator.csrf('/login');
  await operator.post('/login', { _csrf: ocsrf, name: 'olga', password: PASSWORD });
  assert.equal((await operator.request('/settings/config')).status, 403);
  const token = await operator.csrf('/settings');
  assert.equal(
    (await operator.post('/settings/config/site', { _csrf: token, version: form.version, 'site.name': 'x' }))
      .status,
    403,
  );
  assert.equal((await operator.post('/settings/config/feeds', { _csrf: token, id: 'x' })).status, 403);
  // Without the CSRF token, even an admin's post is refused.
  assert.equal(
    (await admin.post('/settings/config/site', { version: form.version, 'site.name': 'x' })).status,
    403,
  );
});

test('a config file that is a symlink stays one, and a 0600 file stays 0600', async (t) => {
  const { admin, file } = await settingsHarness(t);
  const real = `${file}.managed`;
  await rename(file, real);
  await chmod(real, 0o600);
  await symlink(real, file);
  const form = await formOf(admin);
  const res = await admin.post('/settings/config/site', { ...form, 'site.name': 'Through the link' });
  assert.equal(res.status, 303);
  assert.ok((await lstat(file)).isSymbolicLink(), 'the admin’s link is kept');
  assert.equal((await stat(real)).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(await readFile(real, 'utf8')).site, { name: 'Through the link' });
});

test('host groups over plain HTTP: a stray field or a stale form saves nothing, removal asks first', async (t) => {
  const { admin, fileJson } = await settingsHarness(t);
  const group = { name: 'pilot', ring: '0', others: '10.0.0.0/25', window: '', reboot: 'never' };
  const stray = await admin.post('/settings/config/groups', {
    ...(await formOf(admin)),
    ...group,
    colour: 'red',
  });
  assert.equal(stray.status, 400);
  assert.match(await stray.text(), /Not a field of a host group: colour\. Nothing was saved\./);
  const stale = await admin.post('/settings/config/groups', {
    ...(await formOf(admin)),
    ...group,
    version: 'old',
  });
  assert.equal(stale.status, 409);
  assert.match(await stale.text(), /value="10.0.0.0\/25"|>10.0.0.0\/25</, 'what was typed is kept');
  assert.deepEqual(await fileJson(), HAND_WRITTEN);

  const added = await admin.post('/settings/config/groups', { ...(await formOf(admin)), ...group });
  assert.equal(added.status, 303);
  assert.deepEqual((await fileJson()).deploy, {
    groups: [{ name: 'pilot', ring: 0, members: ['10.0.0.0/25'], reboot: 'never' }],
  });
  const page = await (await admin.request('/settings/config?saved=groups')).text();
  assert.doesNotMatch(page, /Restart needed/, 'groups apply to the next deployment planned');
  assert.match(
    page,
    /<td>Never \(a technician reboots\)<\/td>/,
    'the reboot policy in words, not its setting value',
  );
  assert.doesNotMatch(page, /<code>deploy.groups<\/code><\/td>/, 'no longer in the read-only list');
  const edit = await (await admin.request('/settings/config?group=pilot')).text();
  assert.match(edit, /Edit group pilot/);
  assert.match(edit, /action="\/settings\/config\/groups\/pilot"/);
  const missing = await admin.post('/settings/config/groups/nope', { ...(await formOf(admin)), ...group });
  assert.equal(missing.status, 404);

  const asked = await admin.post('/settings/config/groups/pilot/remove', await formOf(admin));
  assert.equal(asked.status, 200);
  assert.match(
    await asked.text(),
    /Remove the host group &quot;pilot&quot;\?|Remove the host group "pilot"\?/,
  );
  assert.equal(((await fileJson()).deploy as { groups: unknown[] }).groups.length, 1);
  const removed = await admin.post('/settings/config/groups/pilot/remove', {
    ...(await formOf(admin)),
    confirm: 'yes',
  });
  assert.equal(removed.status, 303);
  assert.deepEqual((await fileJson()).deploy, { groups: [] });
});
