/**
 * Joiners of a download in flight against hostile clients and upstreams: a client that leaves
 * before its answer starts, a Range asked of a file still arriving, an upstream that stalls and
 * resets. The cached file is never wrong and no reader is left behind holding the download open.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';
import { startHostileUpstream } from '../../support/hostile-upstream.js';
import { waitFor } from '../../support/wait-for.js';

/** An upstream whose answer waits for `open()`: headers, then the whole body. */
const gatedUpstream = async (t: { after(fn: () => unknown): void }, body: Buffer) => {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  let requests = 0;
  const server = createServer(async (_req, res: ServerResponse) => {
    requests++;
    await gate;
    res.writeHead(200, { 'content-length': String(body.length), etag: '"g1"' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    open();
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, open, requests: () => requests };
};

test('a client gone before its answer starts leaves no reader holding the download', async (t) => {
  const body = Buffer.alloc(3 * 1024 * 1024, 7);
  const up = await gatedUpstream(t, body);
  const s = await cacheStack(t, { allow: new UpstreamAllowList([`${up.base}/`]) });
  const url = `${up.base}/pool/big.deb`;
  const proxy = new URL(s.proxyUrl);
  // The client asks, then hangs up while the cache still waits for the upstream's headers.
  const sock = connect(Number(proxy.port), proxy.hostname);
  sock.on('error', () => undefined);
  await new Promise((r) => sock.once('connect', r));
  sock.write(`GET ${url} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await waitFor(() => up.requests() === 1, 'the upstream request');
  const d = s.cache.fetcher.active.get(url)!;
  assert.ok(d);
  sock.destroy();
  await new Promise((r) => setTimeout(r, 50));
  up.open();
  await d.done;
  await waitFor(() => d.readers === 0, 'the gone client to let go of the download', 5000);
  const again = await viaProxy(s.proxyUrl, url);
  assert.equal(again.status, 200);
  assert.equal(
    createHash('sha256').update(again.body).digest('hex'),
    createHash('sha256').update(body).digest('hex'),
  );
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('Range and HEAD of a file still arriving: exact bytes, the last byte only once stored', async (t) => {
  const s = await cacheStack(t);
  const body = randomBytes(2 * 1024 * 1024);
  const path = '/pool/main/r/ranged_1_all.deb';
  const url = s.origin.put(path, { body, etag: '"rg"' });
  const release = s.origin.stall(path, 1_500_000);
  const whole = viaProxy(s.proxyUrl, url);
  await waitFor(() => (s.cache.fetcher.active.get(url)?.written ?? 0) >= 1_000_000, 'the first MB stored');
  const head = await viaProxy(s.proxyUrl, url, { method: 'HEAD' });
  assert.equal(head.headers['content-length'], String(body.length));
  assert.equal(head.body.length, 0);
  const early = await viaProxy(s.proxyUrl, url, { headers: { range: 'bytes=1000-1999' } });
  assert.equal(early.status, 206);
  assert.ok(early.body.equals(body.subarray(1000, 2000)));
  // Past what arrived, and the last byte: both wait for the rest, then come exact.
  const late = viaProxy(s.proxyUrl, url, { headers: { range: 'bytes=1999990-2097151' } });
  let tailDone = false;
  const tail = viaProxy(s.proxyUrl, url, { headers: { range: 'bytes=-10' } }).finally(() => {
    tailDone = true;
  });
  const bad = await viaProxy(s.proxyUrl, url, { headers: { range: `bytes=${body.length}-` } });
  assert.equal(bad.status, 416);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(tailDone, false, 'the last bytes wait for the rest of the file');
  release();
  assert.ok((await late).body.equals(body.subarray(1_999_990)));
  assert.ok((await tail).body.equals(body.subarray(body.length - 10)));
  assert.equal(sha((await whole).body), sha(body));
  assert.equal(s.origin.count(path), 1);
});

test('an upstream that stalls, then resets, then sends another file: joiners get it exact or are cut off', async (t) => {
  const up = await startHostileUpstream(t);
  const first = randomBytes(1_500_000);
  const second = randomBytes(1_500_000);
  // No validators: the resume cannot be checked, so the download starts over with the new file.
  const url = up.route('/pool/c.deb', {
    mode: 'change-between-requests',
    bodies: [first, second],
    dropAfter: 700_000,
  });
  const s = await cacheStack(t, { allow: new UpstreamAllowList([`${up.base}/`]) });
  const clients = await Promise.all(Array.from({ length: 6 }, () => viaProxy(s.proxyUrl, url)));
  for (const c of clients) {
    if (c.truncated) assert.ok(c.body.length < second.length);
    else assert.equal(sha(c.body), sha(second), 'a complete answer is the file that was stored');
    assert.ok(!c.body.subarray(0, 700_000).equals(first.subarray(0, 700_000)) || c.truncated);
  }
  const stored = await viaProxy(s.proxyUrl, url);
  assert.equal(sha(stored.body), sha(second));
});

test('a client that stops reading holds neither the download nor the other joiners', async (t) => {
  const s = await cacheStack(t);
  const body = randomBytes(8 * 1024 * 1024);
  const path = '/pool/main/s/stuck_1_all.deb';
  const url = s.origin.put(path, { body, etag: '"st"' });
  const proxy = new URL(s.proxyUrl);
  const stuck = connect(Number(proxy.port), proxy.hostname);
  stuck.on('error', () => undefined);
  await new Promise((r) => stuck.once('connect', r));
  stuck.write(`GET ${url} HTTP/1.1\r\nHost: x\r\n\r\n`);
  stuck.pause(); // never reads: its socket's buffers fill and the cache must not wait for it
  await waitFor(() => s.cache.fetcher.active.has(url), 'the download');
  const others = await Promise.all(Array.from({ length: 3 }, () => viaProxy(s.proxyUrl, url)));
  for (const o of others) assert.equal(sha(o.body), sha(body));
  await waitFor(() => s.cache.index.get(url) !== undefined, 'the file stored while one client stalls');
  stuck.destroy();
});

test('an upstream whose Content-Length is always more than it sends: clients cut off, nothing stored', async (t) => {
  const body = randomBytes(400_000);
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const headers = { 'content-length': String(2 * body.length - start), etag: '"liar"' };
    if (start > 0)
      res.writeHead(206, {
        ...headers,
        'content-range': `bytes ${start}-${2 * body.length - 1}/${2 * body.length}`,
      });
    else res.writeHead(200, headers);
    res.write(body.subarray(0, Math.max(0, body.length - start)), () => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s = await cacheStack(t, { allow: new UpstreamAllowList([`${base}/`]) });
  const url = `${base}/pool/liar.deb`;
  const clients = await Promise.all(Array.from({ length: 4 }, () => viaProxy(s.proxyUrl, url)));
  for (const c of clients) {
    assert.equal(c.truncated, true);
    assert.ok(c.body.equals(body.subarray(0, c.body.length)), 'what arrived is the upstream bytes, in order');
  }
  assert.ok(requests > 1, 'resumed before giving up');
  assert.equal(s.cache.index.get(url), undefined);
  assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
});
