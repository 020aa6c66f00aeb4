/** Web hardening: DNS rebinding, open redirects, body limits, CSRF carriers, metrics token, caching. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostAllowed } from '../../../web/middleware/host-check.js';
import { PASSWORD, setUpAdmin, webHarness } from './harness.js';

test('host names the appliance does not know are refused before any route (DNS rebinding)', async (t) => {
  const h = await webHarness(t);
  for (const path of ['/setup', '/healthz', '/metrics', '/login']) {
    const res = await h.app.request(`http://evil.example${path}`, { headers: { host: 'evil.example:8080' } });
    assert.equal(res.status, 421, path);
  }
  assert.equal((await h.app.request('http://x/healthz', { headers: { host: '10.1.2.3:8080' } })).status, 200);
  assert.equal(
    (await h.app.request('http://x/healthz', { headers: { host: '[fe80::1]:8080' } })).status,
    200,
  );
  assert.equal((await h.app.request('http://x/healthz', { headers: { host: 'depot.test' } })).status, 200);
  assert.equal(h.auth.isSetUp(), false);
});

test('host allow-list rules', () => {
  assert.equal(hostAllowed('LOCALHOST:8080', [], 'box'), true);
  assert.equal(hostAllowed('box.local', [], 'box'), true);
  assert.equal(hostAllowed('depot.branch.example', ['.branch.example'], 'box'), true);
  assert.equal(hostAllowed('branch.example.evil.com', ['.branch.example'], 'box'), false);
  assert.equal(hostAllowed('', [], 'box'), false);
});

test('sign-in never redirects off the appliance', async (t) => {
  const h = await webHarness(t);
  await setUpAdmin(h);
  for (const next of [
    '//evil.com/',
    '/\\evil.com',
    '/%09/evil.com',
    '/\t/evil.com',
    'https://evil.com',
    '/ok?x=1',
  ]) {
    const b = h.browser();
    const res = await b.post('/login', { _csrf: await b.csrf('/login'), password: PASSWORD, next });
    const location = res.headers.get('location')!;
    assert.equal(
      new URL(location, 'http://depot.test').origin,
      'http://depot.test',
      `${next} -> ${location}`,
    );
    assert.ok(!location.includes('\\') && !location.startsWith('//'), location);
  }
});

test('oversized bodies are refused before they are parsed', async (t) => {
  const h = await webHarness(t);
  const b = h.browser();
  const csrf = await b.csrf('/setup');
  const res = await b.post('/setup', { _csrf: csrf, password: 'x'.repeat(300 * 1024), confirm: 'x' });
  assert.equal(res.status, 413);
  // An upload route is large only for a signed-in admin.
  const anon = await b.request('/patches/feeds/bundle', {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': csrf },
    body: new Uint8Array(300 * 1024),
  });
  assert.equal(anon.status, 413);
});

test('a valid form token is accepted even when the htmx header carries an old one', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const token = await b.csrf('/settings');
  const res = await b.post('/logout', { _csrf: token }, { 'x-csrf-token': 'stale-token-from-an-old-page' });
  assert.equal(res.status, 303);
});

test('a malformed Origin is a CSRF refusal, not a server error', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const res = await b.post('/logout', { _csrf: await b.csrf('/settings') }, { origin: 'garbage' });
  assert.equal(res.status, 403);
});

test('pages vary by HX-Request and are not cached', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const res = await b.request('/settings');
  assert.match(res.headers.get('vary') ?? '', /HX-Request/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
});

test('the CSRF token is rotated at sign-in, sign-out and password change: older tokens stop working', async (t) => {
  const h = await webHarness(t);
  await setUpAdmin(h);
  const b = h.browser();
  const preLogin = await b.csrf('/login');
  const plantedSeed = b.cookies.get('pd_csrf')!;
  const login = await b.post('/login', { _csrf: preLogin, password: PASSWORD });
  assert.equal(login.status, 303);
  assert.notEqual(b.cookies.get('pd_csrf'), plantedSeed, 'a new seed at sign-in');
  assert.equal((await b.post('/logout', { _csrf: preLogin })).status, 403, 'the pre-login token is dead');
  // An attacker who planted the seed (and so knows its token) cannot put it back either: the
  // token is bound to the session too.
  const rotated = b.cookies.get('pd_csrf')!;
  b.cookies.set('pd_csrf', plantedSeed);
  assert.equal((await b.post('/logout', { _csrf: preLogin })).status, 403, 'the planted seed is dead');
  b.cookies.set('pd_csrf', rotated);

  const signedIn = await b.csrf('/settings');
  const next = 'another long passphrase';
  const change = await b.post('/settings/password', {
    _csrf: signedIn,
    current: PASSWORD,
    password: next,
    confirm: next,
  });
  assert.equal(change.status, 303);
  assert.equal((await b.post('/logout', { _csrf: signedIn })).status, 403, 'dead after a password change');
  const afterChange = await b.csrf('/settings');
  assert.equal((await b.post('/logout', { _csrf: afterChange })).status, 303);
  assert.equal(
    (await b.post('/login', { _csrf: afterChange, password: next })).status,
    403,
    'dead after sign-out',
  );
});

test('a client that resets while its form is being read is no server error', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  const body = new ReadableStream({ pull: (controller) => controller.error(reset) });
  const req = new Request('http://depot.test/logout', {
    method: 'POST',
    headers: {
      host: 'depot.test',
      cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
    duplex: 'half',
  } as RequestInit);
  // What the node adapter passes when the socket is already gone.
  const res = await h.app.fetch(req, { incoming: { destroyed: true } });
  assert.equal(res.status, 400);
  assert.deepEqual(
    h.log.lines.filter((l) => l.level === 'error'),
    [],
    'not logged as a failure',
  );
});

test('a failure after the form was read is a logged 500 with a page, not an empty 400', async (t) => {
  // The node adapter marks a request destroyed once its whole body was read (Node auto-destroys
  // an ended IncomingMessage): that is no client gone. An unexpected error in any form post was
  // answered with an empty 400 and logged at debug only.
  const h = await webHarness(t, {
    services: async () => ({
      deploy: {
        run: async () => {
          throw new TypeError('boom');
        },
      } as never,
    }),
  });
  const b = await setUpAdmin(h);
  const csrf = await b.csrf('/settings');
  const req = new Request('http://depot.test/deployments/dep-x/run', {
    method: 'POST',
    headers: {
      host: 'depot.test',
      cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: csrf, now: '1' }),
  });
  const res = await h.app.fetch(req, { incoming: { destroyed: true, complete: true } });
  assert.equal(res.status, 500);
  assert.match(await res.text(), /Something went wrong on the appliance/);
  assert.equal(h.log.lines.filter((l) => l.level === 'error' && l.msg === 'request failed').length, 1);
});

test('a multipart form that does not parse is refused (400, in words), not a server error', async (t) => {
  const h = await webHarness(t);
  const b = await setUpAdmin(h);
  for (const [type, body] of [
    [
      'multipart/form-data; boundary=abc',
      '--abc\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nx\r\n--abc',
    ],
    ['multipart/form-data; boundary=', 'no boundary at all'],
  ]) {
    const req = new Request('http://depot.test/settings/scopes', {
      method: 'POST',
      headers: {
        host: 'depot.test',
        cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'content-type': type!,
      },
      body,
    });
    const res = await h.app.fetch(req, { incoming: { destroyed: true, complete: true } });
    assert.equal(res.status, 400, type);
    assert.match(await res.text(), /the form could not be read/);
  }
  assert.deepEqual(
    h.log.lines.filter((l) => l.level === 'error'),
    [],
    'not logged as a failure',
  );
});
