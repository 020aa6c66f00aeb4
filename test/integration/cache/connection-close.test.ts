/**
 * An upstream that closes the connection after each answer (HTTP/1.0, or `Connection: close`: a
 * plain `python3 -m http.server` mirror does) must not take the daemon down. With undici 7 the FIN
 * arriving while the cache paused the body (backpressure from the WAN budget, cache.wanRateKBps,
 * or a slow disk) threw an uncatchable AssertionError from the socket's 'end' handler
 * (nodejs/undici#5360, fixed in undici 8): one apt request through the proxy ended the process.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';

/** Answers every request with `body` in HTTP/1.0 (Content-Length, then FIN), as http.server does. */
const closingUpstream = async (t: TestContext, body: Buffer): Promise<string> => {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.once('data', () => {
      sock.write(
        `HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      sock.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
};

test('an upstream that closes after each answer: the file is served and cached, the daemon lives', {
  timeout: 60_000,
}, async (t) => {
  for (const size of [100_000, 2 * 1024 * 1024]) {
    const body = Buffer.alloc(size, 7);
    const base = await closingUpstream(t, body);
    // A WAN budget: the cache reads the body slower than it arrives, so undici pauses its parser.
    const s = await cacheStack(t, {
      allow: new UpstreamAllowList([`${base}/debian/`]),
      rateBytesPerSec: 1024 * 1024,
    });
    const url = `${base}/debian/pool/main/a/a_1_all.deb`;
    for (const round of ['miss', 'hit']) {
      const r = await viaProxy(s.proxyUrl, url);
      assert.equal(r.status, 200, `${size} bytes, ${round}`);
      assert.equal(r.truncated, false);
      assert.equal(
        createHash('sha256').update(r.body).digest('hex'),
        createHash('sha256').update(body).digest('hex'),
      );
    }
  }
});
