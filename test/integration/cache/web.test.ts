/**
 * The web side of the cache: `/cache/<host>/<path>` on the UI port sends LAN hosts to the proxy
 * port (cached bytes never on the UI origin), and the Cache page (stats, chart, live downloads,
 * pin/evict/prefetch) behind the login, over a real cache.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { memoryLogger } from '../../fakes/log.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';
import { webHarness } from '../web/harness.js';

const sha = (b: Buffer | ArrayBuffer): string =>
  createHash('sha256')
    .update(Buffer.from(b as ArrayBuffer))
    .digest('hex');

const webWithCache = async (t: Parameters<typeof cacheStack>[0]) => {
  const s = await cacheStack(t);
  s.cache.proxyPort = s.proxy.address!.port; // as the cache module does once the proxy listens
  const h = await webHarness(t, { services: async () => ({ cache: s.cache }) });
  const get = (path: string, headers: Record<string, string> = {}) =>
    h.app.request(`http://depot.test${path}`, { headers: { host: 'depot.test', ...headers } });
  return { s, app: h.app, auth: h.auth, get };
};

test('the UI port sends /cache/<host>/<path> to the proxy port and never serves cached bytes', async (t) => {
  const { s, get } = await webWithCache(t);
  const body = randomBytes(300_000);
  s.origin.put('/pool/main/w/web_1_all.deb', { body });
  const path = `/cache/127.0.0.1:${s.origin.port}/pool/main/w/web_1_all.deb`;
  const ui = await get(`${path}?x=1`, { host: 'depot.test:8080' });
  assert.equal(ui.status, 307, 'apt follows a 307');
  assert.equal(ui.headers.get('location'), `http://depot.test:${s.proxy.address!.port}${path}?x=1`);
  assert.equal(s.origin.requests.length, 0, 'the UI port fetched nothing');
  assert.equal(s.cache.index.size, 0);
  const v6 = await get(path, { host: '[::1]:8080' });
  assert.equal(v6.headers.get('location'), `http://[::1]:${s.proxy.address!.port}${path}`);
  const followed = await viaProxy(s.proxyUrl, path);
  assert.equal(followed.status, 200);
  assert.equal(sha(followed.body), sha(body));
  assert.equal((await get('/cache')).status, 303, 'the Cache page needs a login');
  assert.equal((await get('/cache/-/live')).status, 303);
});

test('with the proxy port disabled the UI port says where cached files are served', async (t) => {
  const { s, get } = await webWithCache(t);
  s.cache.proxyPort = undefined;
  const res = await get(`/cache/127.0.0.1:${s.origin.port}/pool/x.deb`);
  assert.equal(res.status, 404);
  assert.match(
    await res.text(),
    /never on the UI port.*cache\.proxy\.enabled is false.*http:\/\/depot\.test:<cache\.proxy\.port>\/cache\//s,
  );
  assert.equal(s.origin.requests.length, 0);
});

test('the Cache page shows stats, chart and entries; pin, evict and prefetch work', async (t) => {
  const { s, get, app, auth } = await webWithCache(t);
  const body = randomBytes(50_000);
  s.origin.put('/pool/main/u/ui_1_all.deb', { body });
  const fileUrl = `${s.origin.base}/pool/main/u/ui_1_all.deb`;
  await viaProxy(s.proxyUrl, fileUrl);
  await viaProxy(s.proxyUrl, fileUrl);
  const code = (await auth.prepareSetupCode()) ?? '';
  const token = await auth.setup('a long enough passphrase', 'a long enough passphrase', code, '192.0.2.10');
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
  // No announced address and no listen address set: a placeholder, not the browser's host name.
  assert.ok(
    html.includes(
      `deb http://&lt;appliance-address&gt;:${s.proxy.address!.port}/cache/&lt;mirror-host&gt;/debian`,
    ),
  );
  const post = (path: string, form: Record<string, string>) =>
    app.request(`http://depot.test${path}`, {
      method: 'POST',
      headers: { host: 'depot.test', cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: auth.csrfToken(seed, token), ...form }).toString(),
    });
  assert.match(await (await post('/cache/-/pin', { url: fileUrl })).text(), /Pin this file in the cache\?/);
  assert.notEqual(s.cache.index.get(fileUrl)?.pinned, true, 'asking pins nothing');
  assert.match(html, /hx-confirm="Pin this file in the cache\?/);
  // On a phone each file is a small card (its size, hits and Pin / Evict under the URL), not a
  // row whose buttons sit beyond the screen's edge.
  assert.match(html, /<h2>Largest<\/h2><table class="stack">/);
  assert.match(html, /<td data-label="Size">/);
  assert.equal((await post('/cache/-/pin', { url: fileUrl, confirm: 'yes' })).status, 303);
  assert.equal(s.cache.index.get(fileUrl)?.pinned, true);
  assert.match(
    await (await post('/cache/-/evict', { url: fileUrl })).text(),
    /Evict this file from the cache\?/,
  );
  assert.ok(s.cache.index.get(fileUrl), 'asking evicts nothing');
  // htmx sends the post only after the form's hx-confirm was answered.
  assert.equal((await post('/cache/-/evict', { url: fileUrl, confirm: 'yes' })).status, 303);
  assert.equal(s.cache.index.get(fileUrl), undefined);
  const bad = await post('/cache/-/prefetch', { urls: 'http://elsewhere.test/x.deb' });
  assert.equal(bad.status, 403);
  assert.match(await bad.text(), /not an allowed upstream/);
  // A hand-made post with the URLs as an uploaded file: said so, not "not a URL: [object".
  const asFile = new FormData();
  asFile.set('_csrf', auth.csrfToken(seed, token));
  asFile.set('urls', new File([fileUrl], 'urls.txt'));
  const fileUrls = await app.request('http://depot.test/cache/-/prefetch', {
    method: 'POST',
    headers: { host: 'depot.test', cookie },
    body: asFile,
  });
  assert.equal(fileUrls.status, 400);
  const said = await fileUrls.text();
  assert.match(said, /urls: paste the URLs as text/);
  assert.doesNotMatch(said, /object/);
  const ok = await post('/cache/-/prefetch', { urls: `${fileUrl} ${sha(body)}`, pin: '1' });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /1 download queued/);
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

test('on the real servers a browser or apt following the redirect gets a sandboxed download, not a page', async (t) => {
  const { HttpServer } = await import('../../../daemon/http-server.js');
  const { s, app } = await webWithCache(t);
  const server = new HttpServer({ host: '127.0.0.1', port: 0, fetch: app.fetch, log: memoryLogger() });
  await server.start();
  t.after(() => server.stop());
  const html = Buffer.from('<script>document.title = "owned"</script>');
  s.origin.put('/debian/readme.html', { body: html, contentType: 'text/html' });
  const deb = randomBytes(3 * 1024 * 1024 + 5);
  s.origin.put('/debian/pool/main/n/node_1_all.deb', { body: deb, contentType: 'text/html' });
  const ui = `http://127.0.0.1:${server.address!.port}/cache/127.0.0.1:${s.origin.port}`;
  for (const cache of ['MISS', 'HIT']) {
    const res = await fetch(`${ui}/debian/readme.html`);
    assert.equal(new URL(res.url).port, String(s.proxy.address!.port), 'served by the proxy port');
    assert.equal(res.headers.get('x-cache'), cache);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream', 'not the upstream text/html');
    assert.equal(res.headers.get('content-disposition'), 'attachment');
    assert.equal(res.headers.get('content-security-policy'), 'sandbox');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(html));
  }
  const full = await fetch(`${ui}/debian/pool/main/n/node_1_all.deb`);
  assert.equal(full.headers.get('content-type'), 'application/vnd.debian.binary-package');
  assert.equal(full.headers.get('content-disposition'), null, 'packages are not attachments');
  assert.equal(sha(await full.arrayBuffer()), sha(deb));
  const part = await fetch(`${ui}/debian/pool/main/n/node_1_all.deb`, { headers: { range: 'bytes=-5' } });
  assert.equal(part.status, 206);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), deb.subarray(deb.length - 5));
  assert.equal(s.origin.count('/debian/pool/main/n/node_1_all.deb'), 1);
});

test('the apt proxy line names the appliance as the LAN sees it, never the name in the browser bar', async (t) => {
  const s = await cacheStack(t);
  s.cache.proxyPort = 3142;
  s.cache.proxyHost = '0.0.0.0';
  const links = [
    {
      interface: 'eth0',
      address: '192.168.10.2',
      cidr: '192.168.10.0/24',
      hostname: 'patch-depot.local',
      state: 'announced',
      services: [],
    },
  ];
  const presence = { status: () => ({ advertise: true, links, failed: [] }) };
  const h = await webHarness(t, {
    services: async () =>
      ({ cache: s.cache, presence }) as unknown as Partial<import('../../../web/env.js').WebDeps>,
  });
  const { setUpAdmin } = await import('../web/harness.js');
  const b = await setUpAdmin(h);
  // The tech browses from the appliance's own console.
  const html = await (await b.request('/cache', { headers: { host: 'localhost:8080' } })).text();
  assert.match(html, /Acquire::http::Proxy &quot;http:\/\/patch-depot\.local:3142\/&quot;;/);
  assert.match(html, /Acquire::http::Proxy &quot;http:\/\/192\.168\.10\.2:3142\/&quot;;/);
  assert.doesNotMatch(html, /localhost:3142/);
  // A proxy bound to one address: that address.
  s.cache.proxyHost = '10.0.0.5';
  assert.match(await (await b.request('/cache')).text(), /http:\/\/10\.0\.0\.5:3142\//);
});
