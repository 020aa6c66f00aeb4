/**
 * An upstream whose answer is not valid HTTP (a negative Content-Length, a broken status line)
 * answers the same way every time: the client is told at once, in words, and the upstream asked
 * once, not retried five times with backoff (h-attack21). (Two Content-Length headers undici reads
 * as a body shorter than announced: a truncated transfer, which is retried and resumed.)
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';

const rawUpstream = async (
  t: TestContext,
  head: string,
): Promise<{ base: string; requests: () => number }> => {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.once('data', () => {
      requests++;
      sock.end(`${head}\r\n\r\nhello`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as { port: number };
  return { base: `http://127.0.0.1:${port}`, requests: () => requests };
};

for (const [what, head] of [
  ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1'],
  ['a status line that is not HTTP', 'HTTP/1.1 2OO OK\r\nContent-Length: 5'],
] as const) {
  test(`an upstream answering with ${what} is asked once and the client told why`, async (t) => {
    const up = await rawUpstream(t, head);
    const s = await cacheStack(t, { allow: new UpstreamAllowList([`${up.base}/debian/`]) });
    const url = `${up.base}/debian/pool/main/a/a_1_all.deb`;
    const r = await viaProxy(s.proxyUrl, url);
    assert.ok(r.status >= 500, `status ${r.status}`);
    assert.match(r.body.toString(), /not valid HTTP/);
    assert.equal(up.requests(), 1, 'not retried');
    assert.equal(s.cache.index.get(url), undefined);
  });
}
