/**
 * The cache over real sockets: a loopback origin that counts, drops, stalls and lies; the real
 * undici upstream; the proxy port driven in absolute form the way apt drives it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';
import { waitFor } from '../../support/wait-for.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('100 concurrent clients, one upstream fetch; joiners stream before the download ends', async (t) => {
  // The origin stalls on purpose until every client holds the first half; on a busy machine that
  // can take longer than the default idle timeout, whose retry would count as a second fetch.
  const s = await cacheStack(t, { idleTimeoutMs: 120_000 });
  const body = randomBytes(4 * 1024 * 1024);
  const url = s.origin.put('/pool/main/b/big_1_amd64.deb', { body, etag: '"big1"' });
  const release = s.origin.stall('/pool/main/b/big_1_amd64.deb', 2 * 1024 * 1024);
  const progress: number[] = Array(100).fill(0);
  const all = Promise.all(
    Array.from({ length: 100 }, (_, i) => viaProxy(s.proxyUrl, url, { onData: (n) => (progress[i] = n) })),
  );
  // While the origin is stalled halfway, every client already holds the first half.
  await waitFor(
    () => progress.every((n) => n >= 2 * 1024 * 1024 - 1),
    'every client to receive the first half',
    60_000,
  );
  assert.equal(s.origin.count('/pool/main/b/big_1_amd64.deb'), 1);
  assert.ok(
    progress.every((n) => n < body.length),
    'nobody has the whole file before it is verified',
  );
  release();
  const results = await all;
  for (const r of results) {
    assert.equal(r.status, 200);
    assert.equal(r.truncated, false);
    assert.equal(sha(r.body), sha(body));
  }
  assert.equal(s.origin.count('/pool/main/b/big_1_amd64.deb'), 1, 'exactly one upstream request');
  assert.equal(s.origin.bytesSent, body.length, 'exactly 1x upstream bytes');
  const again = await viaProxy(s.proxyUrl, url);
  assert.equal(again.headers['x-cache'], 'HIT');
  assert.equal(s.origin.count('/pool/main/b/big_1_amd64.deb'), 1);
});

test('a connection dropped mid-body is resumed with Range; the client never notices', async (t) => {
  const s = await cacheStack(t);
  const body = randomBytes(3 * 1024 * 1024);
  const url = s.origin.put('/pool/main/d/drop_1_amd64.deb', { body, etag: '"d1"' });
  s.origin.drops.set('/pool/main/d/drop_1_amd64.deb', { after: 1_000_000, times: 1 });
  const r = await viaProxy(s.proxyUrl, url);
  assert.equal(r.status, 200);
  assert.equal(sha(r.body), sha(body));
  const reqs = s.origin.requests.filter((q) => q.path === '/pool/main/d/drop_1_amd64.deb');
  assert.equal(reqs.length, 2);
  assert.match(String(reqs[1]!.headers.range), /^bytes=\d+-$/);
  assert.equal(reqs[1]!.headers['if-range'], '"d1"');
  assert.ok(s.origin.bytesSent < body.length * 1.2, 'resumed, not restarted');
});

test('a slow upstream that goes silent past the idle timeout is resumed', async (t) => {
  const s = await cacheStack(t, { idleTimeoutMs: 300 });
  const body = randomBytes(600_000);
  const url = s.origin.put('/pool/main/s/slow_1_all.deb', { body, etag: '"s1"' });
  const release = s.origin.stall('/pool/main/s/slow_1_all.deb', 200_000);
  const pending = viaProxy(s.proxyUrl, url);
  // The stalled response times out; the retry asks for the rest with Range and then succeeds.
  await waitFor(() => s.origin.count('/pool/main/s/slow_1_all.deb') >= 2, 'a resumed request', 60_000);
  release();
  const r = await pending;
  assert.equal(sha(r.body), sha(body));
  assert.match(String(s.origin.requests.find((q) => q.headers.range)?.headers.range), /^bytes=200000-$/);
});

test('wrong bytes are rejected: the client is cut off and nothing is cached', async (t) => {
  const s = await cacheStack(t);
  const good = randomBytes(500_000);
  const bad = Buffer.from(good);
  bad[bad.length - 10] = bad[bad.length - 10]! ^ 1;
  const path = `/dists/stable/main/binary-amd64/by-hash/SHA256/${sha(good)}`;
  const url = s.origin.put(path, { body: bad });
  const r = await viaProxy(s.proxyUrl, url);
  assert.equal(r.truncated, true, 'the client never gets a complete, wrong file');
  assert.ok(r.body.length < bad.length);
  assert.equal(s.cache.index.get(url), undefined);
  assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
  s.origin.put(path, { body: good });
  const ok = await viaProxy(s.proxyUrl, url);
  assert.equal(sha(ok.body), sha(good));
  assert.equal(s.cache.index.get(url)?.verified, 'sha256');
});

test('Range, HEAD, conditional requests and errors on the proxy port', async (t) => {
  const s = await cacheStack(t);
  const body = randomBytes(100_000);
  const url = s.origin.put('/pool/main/r/range_1_all.deb', { body, etag: '"r"' });
  await viaProxy(s.proxyUrl, url);
  const part = await viaProxy(s.proxyUrl, url, { headers: { range: 'bytes=1000-1999' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], 'bytes 1000-1999/100000');
  assert.ok(part.body.equals(body.subarray(1000, 2000)));
  const head = await viaProxy(s.proxyUrl, url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '100000');
  assert.equal(head.body.length, 0);
  const etag = String(head.headers.etag);
  assert.equal((await viaProxy(s.proxyUrl, url, { headers: { 'if-none-match': etag } })).status, 304);
  // Direct form on the same port.
  const direct = await viaProxy(s.proxyUrl, `/cache/127.0.0.1:${s.origin.port}/pool/main/r/range_1_all.deb`);
  assert.ok(direct.body.equals(body));
  const missing = await viaProxy(s.proxyUrl, `${s.origin.base}/pool/nope.deb`);
  assert.equal(missing.status, 404);
  const post = await viaProxy(s.proxyUrl, url, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(s.origin.count('/pool/main/r/range_1_all.deb'), 1);
});

test('not an open proxy: other hosts are refused, CONNECT is refused with a message', async (t) => {
  const s = await cacheStack(t);
  const other = await viaProxy(s.proxyUrl, 'http://127.0.0.2:9/secret');
  assert.equal(other.status, 403);
  assert.match(other.body.toString(), /not an allowed upstream/);
  const port = Number(new URL(s.proxyUrl).port);
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () =>
      sock.write('CONNECT example.invalid:443 HTTP/1.1\r\nHost: example.invalid:443\r\n\r\n'),
    );
    let text = '';
    sock.on('data', (c) => {
      text += c.toString();
    });
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 405/);
  assert.match(reply, /does not tunnel HTTPS/);
  assert.equal(s.origin.requests.length, 0);
});

test('a parent Patch Depot serves a child cache: the origin is hit once for both', async (t) => {
  const parent = await cacheStack(t);
  const child = await cacheStack(t, { origin: parent.origin, parent: parent.proxyUrl });
  const other = await cacheStack(t, { origin: parent.origin, parent: parent.proxyUrl });
  const body = randomBytes(200_000);
  const url = parent.origin.put('/pool/main/p/parent_1_all.deb', { body });
  assert.equal(sha((await viaProxy(child.proxyUrl, url)).body), sha(body));
  assert.equal(sha((await viaProxy(other.proxyUrl, url)).body), sha(body));
  assert.equal(parent.origin.count('/pool/main/p/parent_1_all.deb'), 1);
  assert.ok(parent.cache.index.get(url), 'the parent cached it');
  assert.ok(child.cache.index.get(url), 'the child cached it');
});
