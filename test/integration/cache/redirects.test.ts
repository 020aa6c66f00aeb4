/**
 * Upstream redirects against a hostile loopback mirror (issue 8, finding 3): every hop must pass the
 * cache's allow-list and may not land on loopback/link-local/own addresses other than the
 * configured upstream's host. A refused redirect caches nothing under the original URL.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';
import { startHostileUpstream } from '../../support/hostile-upstream.js';

const SECRET = Buffer.from('root:$6$secret-hash-only-the-appliance-can-read\n');

test('a redirect to a host outside the allow-list is refused: the secret is neither served nor cached', async (t) => {
  const internal = await startHostileUpstream(t, '127.0.0.2');
  const secretUrl = internal.route('/secret', { mode: 'file', body: SECRET });
  const mirror = await startHostileUpstream(t);
  const url = mirror.route('/debian/pool/main/e/evil_1_all.deb', { mode: 'redirect', location: secretUrl });
  const s = await cacheStack(t, { allow: new UpstreamAllowList([`${mirror.base}/debian/`]) });

  const r = await viaProxy(s.proxyUrl, url);
  assert.equal(r.status, 403);
  assert.ok(!r.body.includes(SECRET), 'the secret never reaches the client');
  assert.match(r.body.toString(), new RegExp(`redirect from ${url} to ${secretUrl} refused`));
  assert.match(r.body.toString(), /not an allowed upstream/);
  assert.equal(internal.requests.length, 0, 'the internal host was never contacted');
  assert.equal(mirror.requests.length, 1, 'a refused redirect is not retried');
  assert.equal(s.cache.index.get(url), undefined, 'nothing cached under the allowed URL');
  assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
});

test('a redirect to another allowed upstream on loopback is refused; within the configured host it works', async (t) => {
  const internal = await startHostileUpstream(t, '127.0.0.2');
  const secretUrl = internal.route('/debian/secret', { mode: 'file', body: SECRET });
  const mirror = await startHostileUpstream(t);
  const body = Buffer.from('a real package\n');
  const cdn = mirror.route('/debian/cdn/good_1_all.deb', { mode: 'file', body });
  const relative = mirror.route('/debian/pool/main/g/good_1_all.deb', {
    mode: 'redirect',
    location: '../../../cdn/good_1_all.deb',
  });
  const absolute = mirror.route('/debian/pool/main/g/good_2_all.deb', { mode: 'redirect', location: cdn });
  const toLoopback = mirror.route('/debian/pool/main/e/evil_2_all.deb', {
    mode: 'redirect',
    location: secretUrl,
  });
  const allow = new UpstreamAllowList([`${mirror.base}/debian/`, `${internal.base}/debian/`]);
  const s = await cacheStack(t, { allow });

  const refused = await viaProxy(s.proxyUrl, toLoopback);
  assert.equal(refused.status, 403);
  assert.match(refused.body.toString(), /127\.0\.0\.2 is a loopback, link-local or unspecified address/);
  assert.equal(internal.requests.length, 0);
  assert.equal(s.cache.index.get(toLoopback), undefined);

  for (const url of [relative, absolute]) {
    const ok = await viaProxy(s.proxyUrl, url);
    assert.equal(ok.status, 200, url);
    assert.deepEqual(ok.body, body);
    assert.equal(s.cache.index.get(url)?.size, body.length, 'cached under the URL asked for');
  }
});

test('a redirect loop ends after 5 hops with a clear error', async (t) => {
  const mirror = await startHostileUpstream(t);
  const url = mirror.route('/debian/dists/stable/Release', {
    mode: 'redirect',
    location: '/debian/dists/stable/Release',
  });
  const s = await cacheStack(t, { allow: new UpstreamAllowList([`${mirror.base}/debian/`]) });
  const r = await viaProxy(s.proxyUrl, url);
  assert.ok(r.status >= 500, String(r.status));
  assert.match(r.body.toString(), /more than 5 redirects/);
  assert.equal(mirror.requests.length, 6, 'one request and five hops, not retried');
});
