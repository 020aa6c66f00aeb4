/**
 * A download every client has left stops after the grace (issue 8, finding 5); one that a joiner
 * or a prefetch still wants goes on. The fake clock makes the grace pass at once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Resolved } from '../../../daemon/cache/cache-service.js';
import { cacheHarness, ORIGIN } from '../../fakes/cache-harness.js';
import { FakeClock } from '../../fakes/cache-upstream.js';
import { waitFor } from '../../support/wait-for.js';

const settle = () => new Promise((r) => setImmediate(r));

const follow = async (r: Resolved) => {
  assert.equal(r.kind, 'download');
  if (r.kind !== 'download') throw new Error('expected a download');
  const reader = r.download.attach(0, undefined)!;
  await r.release();
  return { download: r.download, reader };
};

const readAllOf = async (chunks: AsyncGenerator<Buffer>): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
};

test('the last client leaving stops the download and lets the upstream go', async (t) => {
  const { cache, upstream } = await cacheHarness(t, { clock: new FakeClock() });
  const url = `${ORIGIN}pool/main/l/left_1_all.deb`;
  upstream.put(url, { body: randomBytes(300_000), etag: '"l1"' });
  const open = upstream.stall(url, 100_000);
  const { download, reader } = await follow(await cache.resolve(url));
  reader.close();
  await waitFor(() => upstream.requests.at(-1)!.signal.aborted, 'the upstream request to be aborted');
  open();
  await assert.rejects(download.done, /download of .* stopped after \d+ bytes: every client left/);
  assert.equal(cache.index.get(url), undefined);
});

test('while a joiner remains the download goes on', async (t) => {
  const { cache, upstream } = await cacheHarness(t, { clock: new FakeClock() });
  const url = `${ORIGIN}pool/main/j/joined_1_all.deb`;
  const body = randomBytes(300_000);
  upstream.put(url, { body, etag: '"j1"' });
  const open = upstream.stall(url, 100_000);
  const first = await follow(await cache.resolve(url));
  const second = await follow(await cache.resolve(url));
  first.reader.close();
  await settle();
  assert.equal(second.download.abort.signal.aborted, false);
  open();
  assert.ok((await readAllOf(second.reader.chunks)).equals(body));
  assert.equal(upstream.count(url), 1);
});

test('a prefetch keeps its download going when the client that joined it leaves', async (t) => {
  const { cache, upstream } = await cacheHarness(t, { clock: new FakeClock() });
  const url = `${ORIGIN}pool/main/p/prefetched_1_all.deb`;
  upstream.put(url, { body: randomBytes(300_000), etag: '"p1"' });
  const open = upstream.stall(url, 100_000);
  await cache.prefetch.add([{ url }]);
  await waitFor(() => cache.fetcher.active.has(url), 'the prefetch to start');
  const client = await follow(await cache.resolve(url));
  client.reader.close();
  await settle();
  assert.equal(client.download.abort.signal.aborted, false);
  open();
  await waitFor(() => cache.prefetch.jobs()[0]?.items[0]?.status === 'done', 'the prefetch to finish');
  assert.ok(cache.index.get(url));
});
