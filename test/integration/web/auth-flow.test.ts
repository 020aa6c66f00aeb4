import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { NAV } from '../../../web/views/layout.js';
import { PASSWORD, setUpAdmin, webHarness } from './harness.js';

test('before setup every UI route leads to /setup; health and static stay public', async (t) => {
  const h = await webHarness(t);
  const b = h.browser();
  for (const [path] of NAV) {
    const res = await b.request(path);
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get('location'), '/setup');
  }
  assert.equal((await b.request('/login')).headers.get('location'), '/setup');
  assert.equal((await b.request('/healthz')).status, 200);
  assert.equal((await b.request('/static/htmx.min.js')).status, 200);
  const page = await b.request('/setup');
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Choose the administrator password/);
});

test('htmx requests are redirected with HX-Redirect instead of a 303', async (t) => {
  const h = await webHarness(t);
  const res = await h.browser().request('/assets', { headers: { 'HX-Request': 'true' } });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('hx-redirect'), '/setup');
});

test('setup refuses weak or mismatched passwords and keeps the form', async (t) => {
  const h = await webHarness(t);
  const b = h.browser();
  const csrf = await b.csrf('/setup');
  const code = (await h.auth.prepareSetupCode())!;
  let res = await b.post('/setup', { _csrf: csrf, code, password: 'short', confirm: 'short' });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /at least 10 characters/);
  res = await b.post('/setup', { _csrf: csrf, code, password: PASSWORD, confirm: `${PASSWORD}x` });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /do not match/);
  assert.equal(h.auth.isSetUp(), false);
});

test('setup stores only an scrypt hash, signs the admin in, and cannot be repeated', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const onDisk = await readFile(join(h.dataDir, 'state.json'), 'utf8');
  assert.ok(!onDisk.includes(PASSWORD), 'password never stored in clear');
  assert.match(JSON.parse(onDisk).auth.users[0].passwordHash, /^scrypt\$/);
  const session = b.cookies.get('pd_session')!;
  assert.ok(session && !onDisk.includes(session), 'only the session token hash is stored');
  const dash = await b.request('/');
  assert.equal(dash.status, 200);
  assert.match(await dash.text(), /Dashboard/);
  // A second setup attempt (another browser) is sent to login.
  const other = h.browser();
  const res = await other.post('/setup', {
    _csrf: await other.csrf('/login'),
    password: 'x'.repeat(12),
    confirm: 'x'.repeat(12),
  });
  assert.equal(res.headers.get('location'), '/login');
});

test('no code, no setup: a missing, wrong or spent setup code sets no password', async (t) => {
  const h = await webHarness(t);
  const code = (await h.auth.prepareSetupCode())!;
  assert.match(code, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
  const file = join(h.dataDir, 'setup-code');
  assert.equal((await stat(file)).mode & 0o777, 0o600, 'root only');
  assert.equal(await h.auth.prepareSetupCode(), code, 'a restart keeps the same code');

  const b = h.browser();
  const page = await (await b.request('/setup')).text();
  assert.match(page, /name="code"/);
  assert.match(page, /journalctl -u patch-depot/, 'the page says where to find the code');
  const csrf = await b.csrf('/setup');
  const form = { _csrf: csrf, password: PASSWORD, confirm: PASSWORD };
  let res = await b.post('/setup', form);
  assert.equal(res.status, 403);
  assert.match(await res.text(), /enter the setup code shown on the appliance/);
  const wrong = code.replace(/^./, (c) => (c === '2' ? '3' : '2'));
  res = await b.post('/setup', { ...form, code: wrong });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /not the setup code/);
  assert.equal(h.auth.isSetUp(), false);

  // Typed loosely (lower case, spaces for dashes) it still counts; then it is spent.
  res = await b.post('/setup', { ...form, code: code.toLowerCase().replaceAll('-', ' ') });
  assert.equal(res.status, 303);
  assert.equal(h.auth.isSetUp(), true);
  await assert.rejects(stat(file), /ENOENT/, 'the code is deleted once used');
  assert.equal(await h.auth.prepareSetupCode(), undefined, 'and not made again');
});

test('wrong setup codes are throttled per address like sign-in', async (t) => {
  const h = await webHarness(t, { loginAttemptsPerMinute: 3 });
  await h.auth.prepareSetupCode();
  const b = h.browser();
  const form = {
    _csrf: await b.csrf('/setup'),
    code: 'AAAA-AAAA-AAAA',
    password: PASSWORD,
    confirm: PASSWORD,
  };
  for (let i = 0; i < 3; i++) assert.equal((await b.post('/setup', form)).status, 403);
  const res = await b.post('/setup', form);
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get('retry-after')) > 0);
});

test('session cookie is HttpOnly and SameSite=Strict', async (t) => {
  const h = await webHarness(t);
  const b = h.browser();
  const csrf = await b.csrf('/setup');
  const code = (await h.auth.prepareSetupCode())!;
  const res = await b.post('/setup', { _csrf: csrf, code, password: PASSWORD, confirm: PASSWORD });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('pd_session='))!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
});

test('every form post needs a valid CSRF token bound to the browser', async (t) => {
  const h = await webHarness(t);
  const b = h.browser();
  await b.csrf('/setup'); // receives its CSRF seed cookie
  let res = await b.post('/setup', { password: PASSWORD, confirm: PASSWORD });
  assert.equal(res.status, 403, 'no token');
  res = await b.post('/setup', { _csrf: 'forged', password: PASSWORD, confirm: PASSWORD });
  assert.equal(res.status, 403, 'wrong token');
  const other = h.browser();
  const othersToken = await other.csrf('/setup');
  res = await b.post('/setup', { _csrf: othersToken, password: PASSWORD, confirm: PASSWORD });
  assert.equal(res.status, 403, "another browser's token");
  res = await b.post(
    '/setup',
    { _csrf: await b.csrf('/setup'), password: PASSWORD, confirm: PASSWORD },
    {
      origin: 'http://evil.example',
    },
  );
  assert.equal(res.status, 403, 'cross-origin');
  assert.equal(h.auth.isSetUp(), false);
});

test('signed-in forms and htmx posts are CSRF-checked too', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const noToken = await b.post('/logout', {});
  assert.equal(noToken.status, 403);
  const token = await b.csrf('/settings');
  const viaHeader = await b.request('/logout', { method: 'POST', headers: { 'x-csrf-token': token } });
  assert.equal(viaHeader.status, 303);
  assert.equal((await b.request('/')).headers.get('location'), '/login', 'signed out');
});

test('login: wrong password, right password, redirect back to the page asked for', async (t) => {
  const h = await webHarness(t);
  await setUpAdmin(h);
  const b = h.browser();
  const asked = await b.request('/assets?q=printer');
  assert.equal(asked.headers.get('location'), '/login?next=%2Fassets%3Fq%3Dprinter');
  const csrf = await b.csrf('/login?next=%2Fassets');
  let res = await b.post('/login', { _csrf: csrf, password: 'wrong password!', next: '/assets' });
  assert.equal(res.status, 401);
  assert.match(await res.text(), /wrong name or password/);
  res = await b.post('/login', { _csrf: csrf, password: PASSWORD, next: '//evil.example/' });
  assert.equal(res.headers.get('location'), '/', 'open redirect refused');
  assert.equal((await b.request('/assets')).status, 200);
});

test('login attempts are rate limited per client address', async (t) => {
  const h = await webHarness(t, { loginAttemptsPerMinute: 3 });
  await setUpAdmin(h);
  const b = h.browser();
  const csrf = await b.csrf('/login');
  for (let i = 0; i < 3; i++) {
    assert.equal((await b.post('/login', { _csrf: csrf, password: 'guess guess guess' })).status, 401);
  }
  const limited = await b.post('/login', { _csrf: csrf, password: PASSWORD });
  assert.equal(limited.status, 429, 'even the right password waits');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  const elsewhere = await b.request('/login', {
    method: 'POST',
    from: '192.0.2.99',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, password: PASSWORD }).toString(),
  });
  assert.equal(elsewhere.status, 303, 'another address is not locked out');
});

test('the login throttle survives a restart of the app', async (t) => {
  const first = await webHarness(t, { loginAttemptsPerMinute: 3 });
  await setUpAdmin(first);
  const b = first.browser();
  const csrf = await b.csrf('/login');
  for (let i = 0; i < 3; i++) {
    assert.equal((await b.post('/login', { _csrf: csrf, password: 'guess guess guess' })).status, 401);
  }
  await first.store.stop();

  const restarted = await webHarness(t, { loginAttemptsPerMinute: 3, dataDir: first.dataDir });
  const again = restarted.browser();
  const limited = await again.post('/login', { _csrf: await again.csrf('/login'), password: PASSWORD });
  assert.equal(limited.status, 429, 'still throttled after the restart');
  const elsewhere = await again.request('/login', {
    method: 'POST',
    from: '192.0.2.99',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: await again.csrf('/login'), password: PASSWORD }).toString(),
  });
  assert.equal(elsewhere.status, 303, 'another address signs in');
  assert.deepEqual(
    Object.keys(restarted.store.data.auth.loginAttempts ?? {}),
    ['192.0.2.10'],
    'success forgives',
  );
});

test('changing the password signs out other browsers', async (t) => {
  const h = await webHarness(t);
  const first = await setUpAdmin(h);
  const second = h.browser();
  await second.post('/login', { _csrf: await second.csrf('/login'), password: PASSWORD });
  assert.equal((await second.request('/')).status, 200);
  const next = 'another long passphrase';
  const res = await first.post('/settings/password', {
    _csrf: await first.csrf('/settings'),
    current: PASSWORD,
    password: next,
    confirm: next,
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/settings?password=changed');
  assert.match(await (await first.request('/settings?password=changed')).text(), /Password changed/);
  assert.equal((await first.request('/')).status, 200, 'the changing browser stays signed in');
  assert.equal((await second.request('/')).status, 303, 'others are signed out');
});

test('pages render as fragments for htmx and as documents otherwise', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const full = await (await b.request('/settings')).text();
  assert.match(full, /^<!doctype html>/);
  assert.match(full, /<nav/);
  const fragment = await (await b.request('/settings', { headers: { 'HX-Request': 'true' } })).text();
  assert.doesNotMatch(fragment, /<nav|<html/);
  assert.match(fragment, /<h1>Settings<\/h1>/);
  const boosted = await (
    await b.request('/settings', { headers: { 'HX-Request': 'true', 'HX-Boosted': 'true' } })
  ).text();
  assert.match(boosted, /^<!doctype html>/);
});

test('metrics are served in Prometheus text format', async (t) => {
  const h = await webHarness(t);
  const res = await h.browser().request('/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  assert.match(text, /# TYPE patch_depot_http_requests_total counter/);
  assert.match(text, /patch_depot_process_cpu_seconds_total/);
  assert.match(
    text,
    /# TYPE patch_depot_state_writes_total counter\npatch_depot_state_writes_total\{app="patch_depot"\} [1-9]/,
  );
});

test('unknown pages are 404 with a way back', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const res = await b.request('/no/such/page');
  assert.equal(res.status, 404);
  assert.match(await res.text(), /Back to the dashboard/);
});
