/**
 * The proxy port against clients that misbehave: HTTPS tunnels (CONNECT) refused and reset,
 * downloads reset mid-body, garbage, slow-loris and header floods. The real daemon keeps serving
 * on both its ports throughout; a bare proxy shows the limits.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClientAllowList } from '../../../daemon/address-list.js';
import { ProxyServer } from '../../../daemon/cache/proxy-server.js';
import { Origin } from '../../support/cache-origin.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';
import { getFrom, idle } from '../../support/held-connections.js';
import { exchange } from '../../support/raw-socket.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

const CONNECT = 'CONNECT deb.example.invalid:443 HTTP/1.1\r\nHost: deb.example.invalid:443\r\n\r\n';
/** The start of a TLS ClientHello, as curl sends it right after a tunnel would be open. */
const HELLO = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]), randomBytes(4000)]);

test('CONNECTs, resets mid-response and garbage leave the daemon answering on both ports', {
  timeout: 90_000,
}, async (t) => {
  const origin = new Origin();
  await origin.start();
  t.after(() => origin.stop());
  const big = origin.put('/debian/pool/main/b/big_1_all.deb', { body: randomBytes(8 * 1024 * 1024) });
  const small = origin.put('/debian/pool/main/s/small_1_all.deb', { body: Buffer.from('small') });
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ cache: { upstreams: [`${origin.base}/debian/`] } }),
  );
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  const port = Number(daemon.logs.find((l) => l.msg === 'cache proxy listening')?.port);
  assert.ok(port > 0, 'the proxy port is in the log');

  // An https_proxy client: CONNECT, then TLS bytes at once, then a reset, again and again.
  for (let i = 0; i < 4; i++) {
    await exchange(Buffer.concat([Buffer.from(CONNECT), HELLO]), { port, after: 'reset' });
    await exchange(CONNECT, { port, after: 'reset', resetAfterBytes: 1 });
  }
  // A client that asks politely gets the refusal and a clean close.
  const refused = await exchange(CONNECT, { port, after: 'read' });
  assert.equal(refused.status, 405);
  assert.equal(refused.end, 'closed');
  assert.match(refused.reply.toString(), /does not tunnel HTTPS/);
  // A download reset after its first bytes, a few times over.
  for (let i = 0; i < 3; i++) {
    const get = `GET ${big} HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`;
    const cut = await exchange(get, { port, after: 'reset', resetAfterBytes: 100_000 });
    assert.equal(cut.status, 200);
  }
  const garbage = await exchange('\x00\x01GARBAGE\r\n\r\n', { port, after: 'read' });
  assert.equal(garbage.status, 400);

  assert.equal(daemon.proc.exitCode, null, 'the daemon is still running');
  const health = await fetch(`${daemon.url}healthz`);
  assert.equal(health.status, 200);
  const file = await viaProxy(`http://127.0.0.1:${port}`, small);
  assert.equal(file.status, 200);
  assert.equal(file.body.toString(), 'small');
});

test('slow-loris and header floods are cut off by the proxy limits', async (t) => {
  const s = await cacheStack(t);
  const proxy = new ProxyServer({
    host: '127.0.0.1',
    port: 0,
    cache: s.cache,
    clients: new ClientAllowList([]),
    log: s.log,
    limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100 },
  });
  await proxy.start();
  t.after(() => proxy.stop());
  const port = proxy.address!.port;
  // Headers that never end: answered 408 and closed, long before the test's deadline.
  const loris = await exchange('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n', {
    port,
    after: 'read',
    deadlineMs: 20_000,
  });
  assert.equal(loris.end, 'closed');
  assert.equal(loris.status, 408);
  const huge = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
  const flood = await exchange(huge, { port, after: 'read' });
  assert.equal(flood.status, 431);
  // Thousands of small headers count against the same limit.
  const many = Array.from({ length: 5000 }, (_, i) => `X-H${i}: v\r\n`).join('');
  const crowd = await exchange(`GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`, { port, after: 'read' });
  assert.equal(crowd.status, 431);
  const after = await exchange('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', {
    port,
    after: 'read',
  });
  // GET / is apt-cacher-ng's usage page (406), which auto-apt-proxy looks for: an answer all the same.
  assert.equal(after.status, 406, 'and the port still answers');
});

test('the client allow-list applies on the proxy port, in both request forms', async (t) => {
  const s = await cacheStack(t);
  const url = s.origin.put('/pool/x.deb', { body: Buffer.from('x') });
  const proxy = new ProxyServer({
    host: '127.0.0.1',
    port: 0,
    cache: s.cache,
    clients: new ClientAllowList(['10.0.0.0/8']),
    log: s.log,
  });
  await proxy.start();
  t.after(() => proxy.stop());
  const refusedUrl = `http://127.0.0.1:${proxy.address!.port}`;
  for (const target of [url, `/cache/127.0.0.1:${s.origin.port}/pool/x.deb`]) {
    const r = await viaProxy(refusedUrl, target);
    assert.equal(r.status, 403);
    assert.match(r.body.toString(), /may not use this cache \(cache\.clients\)/);
  }
  assert.equal(s.origin.requests.length, 0);
  assert.equal(new ClientAllowList(['127.0.0.0/8']).allows('::ffff:127.0.0.1'), true);
});

/** An idle connection from `localAddress` (any 127/8 address works on Linux loopback). */
test('one client cannot hold every connection: past its cap, and past the total, sockets are closed at once', async (t) => {
  const s = await cacheStack(t);
  const url = s.origin.put('/pool/x.deb', { body: Buffer.from('x') });
  const proxy = new ProxyServer({
    host: '127.0.0.1',
    port: 0,
    cache: s.cache,
    clients: new ClientAllowList([]),
    log: s.log,
    limits: { maxConnectionsPerClient: 3, maxConnections: 5 },
  });
  await proxy.start();
  t.after(() => proxy.stop());
  const port = proxy.address!.port;
  const held = await Promise.all([1, 2, 3].map(() => idle(port, '127.0.0.1')));
  t.after(() => {
    for (const h of held) h.destroy();
  });
  // The hostile host's next socket is closed unanswered, long before any request timeout.
  assert.equal(await getFrom(port, '127.0.0.1', url), '');
  // Another host is still served.
  assert.match(await getFrom(port, '127.0.0.2', url), /^HTTP\/1\.1 200/);
  // Five open in all: a sixth connection, from anyone, is over the total.
  const more = await Promise.all([idle(port, '127.0.0.3'), idle(port, '127.0.0.3')]);
  t.after(() => {
    for (const h of more) h.destroy();
  });
  assert.equal(await getFrom(port, '127.0.0.4', url), '');
  // When the hostile host lets go, it is served again (its closes reach the server in a moment).
  for (const h of held) h.destroy();
  const deadline = Date.now() + 10_000;
  let answer = '';
  while (!answer.startsWith('HTTP/1.1 200') && Date.now() < deadline)
    answer = await getFrom(port, '127.0.0.1', url);
  assert.match(answer, /^HTTP\/1\.1 200/);
});
