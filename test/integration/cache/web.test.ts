/**
 * The web side of the cache: the public direct route LAN hosts download from, and the Cache page
 * (stats, chart, live downloads, pin/evict/prefetch) behind the login, over a real cache.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ClientAllowList } from '../../../daemon/cache/proxy-server.js';
import { cacheStack } from '../../fakes/cache-stack.js';
import { memoryLogger } from '../../fakes/log.js';
import { webHarness } from '../web/harness.js';

const sha = (b: Buffer | ArrayBuffer): string =>
  createHash('sha256')
    .update(Buffer.from(b as ArrayBuffer))
    .digest('hex');

const webWithCache = async (t: Parameters<typeof cacheStack>[0], clients: string[] = []) => {
  const s = await cacheStack(t);
  const h = await webHarness(t, {
    services: async () => ({ cache: s.cache, cacheClients: new ClientAllowList(clients) }),
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    h.app.request(`http://depot.test${path}`, { headers: { host: 'depot.test', ...headers } });
  return { s, app: h.app, auth: h.auth, get };
};

test('LAN hosts download through /cache/<host>/<path> without a session; the UI stays gated', async (t) => {
  const { s, get } = await webWithCache(t);
  const body = randomBytes(300_000);
  s.origin.put('/pool/main/w/web_1_all.deb', { body });
  const path = `/cache/127.0.0.1:${s.origin.port}/pool/main/w/web_1_all.deb`;
  const first = await get(path);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-cache'), 'MISS');
  assert.equal(sha(await first.arrayBuffer()), sha(body));
  const second = await get(path, { range: 'bytes=10-19' });
  assert.equal(second.status, 206);
  assert.deepEqual(Buffer.from(await second.arrayBuffer()), body.subarray(10, 20));
  assert.equal(s.origin.count('/pool/main/w/web_1_all.deb'), 1);
  const other = await get('/cache/127.0.0.2/secret');
  assert.equal(other.status, 403, 'not an open proxy');
  const page = await get('/cache');
  assert.equal(page.status, 303, 'the Cache page needs a login');
  assert.equal((await get('/cache/-/live')).status, 303);
});

test('the client allow-list applies to the direct route', async (t) => {
  const { s, get } = await webWithCache(t, ['10.0.0.0/8']);
  s.origin.put('/pool/x.deb', { body: Buffer.from('x') });
  const path = `/cache/127.0.0.1:${s.origin.port}/pool/x.deb`;
  assert.equal((await get(path)).status, 403);
  const allowed = await get(path, { 'x-test-remote': '10.1.2.3' });
  assert.equal(allowed.status, 200);
  assert.equal(await allowed.text(), 'x');
});

test('the Cache page shows stats, chart and entries; pin, evict and prefetch work', async (t) => {
  const { s, get, app, auth } = await webWithCache(t);
  const body = randomBytes(50_000);
  s.origin.put('/pool/main/u/ui_1_all.deb', { body });
  const fileUrl = `${s.origin.base}/pool/main/u/ui_1_all.deb`;
  await (await get(`/cache/127.0.0.1:${s.origin.port}/pool/main/u/ui_1_all.deb`)).arrayBuffer();
  await (await get(`/cache/127.0.0.1:${s.origin.port}/pool/main/u/ui_1_all.deb`)).arrayBuffer();
  const token = await auth.setup('a long enough passphrase', 'a long enough passphrase', '192.0.2.10');
  const seed = auth.newCsrfSeed();
  const cookie = `pd_session=${token}; pd_csrf=${seed}`;
  const page = await get('/cache', { cookie });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Hit ratio/);
  assert.match(html, /50 %/, 'one miss, one hit');
  assert.match(html, /<svg[^>]*role="img"/);
  assert.ok(html.includes(fileUrl));
  assert.match(html, /hx-get="\/cache\/-\/live"/);
  const post = (path: string, form: Record<string, string>) =>
    app.request(`http://depot.test${path}`, {
      method: 'POST',
      headers: { host: 'depot.test', cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: auth.csrfToken(seed, token), ...form }).toString(),
    });
  assert.equal((await post('/cache/-/pin', { url: fileUrl })).status, 303);
  assert.equal(s.cache.index.get(fileUrl)?.pinned, true);
  assert.equal((await post('/cache/-/evict', { url: fileUrl })).status, 303);
  assert.equal(s.cache.index.get(fileUrl), undefined);
  const bad = await post('/cache/-/prefetch', { urls: 'http://elsewhere.test/x.deb' });
  assert.equal(bad.status, 403);
  assert.match(await bad.text(), /not an allowed upstream/);
  const ok = await post('/cache/-/prefetch', { urls: `${fileUrl} ${sha(body)}`, pin: '1' });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /1 download\(s\) queued/);
  const deadline = Date.now() + 10_000;
  while (!s.cache.index.get(fileUrl)?.pinned) {
    if (Date.now() > deadline) throw new Error('prefetch did not finish');
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(s.cache.index.get(fileUrl)?.verified, 'sha256', 'verified against the given hash');
  const noCsrf = await app.request('http://depot.test/cache/-/evict', {
    method: 'POST',
    headers: { host: 'depot.test', cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ url: fileUrl }).toString(),
  });
  assert.equal(noCsrf.status, 403, 'actions need the CSRF token');
  const live = await get('/cache/-/live', { cookie, 'hx-request': 'true' });
  assert.match(await live.text(), /Nothing is downloading right now/);
});

test('on the real HTTP server the direct route streams from the socket: full, range, HEAD', async (t) => {
  const { HttpServer } = await import('../../../daemon/http-server.js');
  const { s, app } = await webWithCache(t);
  const server = new HttpServer({ host: '127.0.0.1', port: 0, fetch: app.fetch, log: memoryLogger() });
  await server.start();
  t.after(() => server.stop());
  const body = randomBytes(3 * 1024 * 1024 + 5);
  s.origin.put('/pool/main/n/node_1_all.deb', { body });
  const base = `http://127.0.0.1:${server.address!.port}/cache/127.0.0.1:${s.origin.port}/pool/main/n/node_1_all.deb`;
  const first = await fetch(base);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-cache'), 'MISS');
  assert.equal(sha(await first.arrayBuffer()), sha(body));
  const part = await fetch(base, { headers: { range: 'bytes=-5' } });
  assert.equal(part.status, 206);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(body.length - 5));
  const head = await fetch(base, { method: 'HEAD' });
  assert.equal(head.headers.get('content-length'), String(body.length));
  assert.equal(head.headers.get('x-cache'), 'HIT');
  assert.equal(s.origin.count('/pool/main/n/node_1_all.deb'), 1);
  const refused = await fetch(`http://127.0.0.1:${server.address!.port}/cache/127.0.0.2/x`);
  assert.equal(refused.status, 403);
  await refused.arrayBuffer();
});
