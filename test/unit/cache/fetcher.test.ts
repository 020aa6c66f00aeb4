import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheHarness, ORIGIN, readAll } from '../../fakes/cache-harness.js';
import { waitFor } from '../../support/wait-for.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const pool = (name: string): string => `${ORIGIN}pool/main/${name}`;

/** Poll until `cond` holds (no sleeps with a fixed length in tests). */
test('100 concurrent requests for one missing file make exactly one upstream download', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const body = randomBytes(1_000_000);
  const url = pool('a/big_1.0_amd64.deb');
  upstream.put(url, { body, etag: '"v1"' });
  const results = await Promise.all(Array.from({ length: 100 }, () => readAll(cache, url)));
  assert.equal(upstream.count(url), 1);
  for (const r of results) assert.ok(r.equals(body));
  assert.equal(upstream.bytesSent, body.length);
  // And the next request is a plain hit.
  assert.ok((await readAll(cache, url)).equals(body));
  assert.equal(upstream.count(url), 1);
  const s = cache.summary();
  assert.equal(s.misses, 1);
  assert.equal(s.hits, 100);
});

test('joiners get every byte received so far at once, before the download ends', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const body = randomBytes(300_000);
  const url = pool('s/slow_1_all.deb');
  upstream.put(url, { body });
  const release = upstream.stall(url, 200_000);
  const first = await cache.resolve(url);
  assert.equal(first.kind, 'download');
  if (first.kind !== 'download') return;
  const d = first.download;
  await waitFor(() => d.written >= 200_000, 'first 200 kB');
  // A late joiner while the upstream is stalled: it receives what is on disk right away.
  const joiner = await cache.resolve(url);
  assert.equal(joiner.kind === 'download' && joiner.joined, true);
  if (joiner.kind !== 'download') return;
  const reader = joiner.download.attach(0, undefined)!;
  await joiner.release();
  let got = 0;
  const it = reader.chunks[Symbol.asyncIterator]();
  while (got < 200_000) {
    const { value } = await it.next();
    got += value!.length;
  }
  assert.equal(got, 200_000, 'everything received (the length is announced: only its last byte waits)');
  assert.equal(d.status, 'running', 'the upstream is still stalled');
  release();
  for (;;) {
    const { value, done } = await it.next();
    if (done) break;
    got += value.length;
  }
  assert.equal(got, body.length);
  await first.release();
  assert.equal(upstream.count(url), 1);
});

test('a joiner never holds the whole of a file that fails verification: all but its last byte, then an error', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const good = randomBytes(700_000);
  const evil = Buffer.from(good);
  evil[600_000] = evil[600_000]! ^ 0xff;
  const url = pool('h/held_1_amd64.deb');
  upstream.put(url, { body: evil });
  upstream.chunkSize = 50_000;
  cache.expected.set(url, { sha256: sha(good), size: good.length });
  const r = await cache.resolve(url);
  if (r.kind !== 'download') throw new Error('expected a download');
  const reader = r.download.attach(0, undefined)!;
  await r.release();
  let got = 0;
  await assert.rejects(async () => {
    for await (const c of reader.chunks) got += c.length;
  }, /failed verification/);
  assert.equal(got, evil.length - 1, 'every byte but the last, which only a verified file releases');
});

test('a dropped connection resumes with Range from where it stopped', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const body = randomBytes(500_000);
  const url = pool('r/resume_2_amd64.deb');
  upstream.put(url, { body, etag: '"abc"' });
  upstream.drops.set(url, { after: 123_456, times: 2 });
  const got = await readAll(cache, url);
  assert.ok(got.equals(body));
  const reqs = upstream.requests.filter((r) => r.url === url);
  assert.equal(reqs.length, 3);
  assert.equal(reqs[0]!.headers.range, undefined);
  assert.equal(reqs[1]!.headers.range, 'bytes=123456-');
  assert.equal(reqs[1]!.headers['if-range'], '"abc"');
  assert.equal(reqs[2]!.headers.range, `bytes=${123_456 * 2}-`);
  assert.equal(upstream.bytesSent, body.length, 'no byte crossed the WAN twice');
  assert.equal(cache.index.get(url)?.sha256, sha(body));
});

test('refused connections are retried with backoff; a 404 is passed on without retrying', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const url = pool('x/retry_1_all.deb');
  upstream.put(url, { body: Buffer.from('hello') });
  upstream.refuse.set(url, 3);
  assert.equal((await readAll(cache, url)).toString(), 'hello');
  assert.equal(upstream.count(url), 4);
  const missing = pool('x/missing_1_all.deb');
  await assert.rejects(cache.resolve(missing), (err: Error & { code?: string }) => err.code === 'NOT_FOUND');
  assert.equal(upstream.count(missing), 1);
  upstream.refuse.set(url.replace('retry', 'never'), 100);
  await assert.rejects(cache.resolve(url.replace('retry', 'never')), /failed after 5 attempts/);
});

test('bytes that do not match the expected hash are rejected and never stored', async (t) => {
  const { cache, upstream, root } = await cacheHarness(t);
  const good = randomBytes(100_000);
  const evil = Buffer.from(good);
  evil[5000] = evil[5000]! ^ 0xff;
  const url = pool('e/evil_1_amd64.deb');
  upstream.put(url, { body: evil });
  cache.expected.set(url, { sha256: sha(good), size: good.length });
  await assert.rejects(readAll(cache, url), /failed verification/);
  assert.equal(cache.index.get(url), undefined);
  assert.deepEqual(await readdir(join(root, 'tmp')), [], 'temp file removed');
  assert.equal((await cache.blobs.list()).size, 0);
  // by-hash names carry their own digest.
  const byHash = `${ORIGIN}dists/stable/main/binary-amd64/by-hash/SHA256/${sha(good)}`;
  upstream.put(byHash, { body: evil });
  await assert.rejects(readAll(cache, byHash), /failed verification/);
  upstream.put(byHash, { body: good });
  assert.ok((await readAll(cache, byHash)).equals(good));
  assert.equal(cache.index.get(byHash)?.verified, 'sha256');
});

test('a size different from the index fails before any byte is stored', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const url = pool('e/short_1_amd64.deb');
  upstream.put(url, { body: Buffer.alloc(10) });
  cache.expected.set(url, { sha256: 'a'.repeat(64), size: 11 });
  await assert.rejects(cache.resolve(url), /announced 10 bytes, the index says 11/);
  assert.equal(upstream.bytesSent, 0);
});

test('the URL allow-list refuses everything outside the configured upstreams', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  for (const url of [
    'http://evil.test/x.deb',
    'http://mirror.test/debian-evil/x.deb',
    'ftp://mirror.test/debian/x',
  ]) {
    await assert.rejects(cache.resolve(url), (err: Error & { code?: string }) =>
      ['FORBIDDEN', 'BAD_INPUT'].includes(err.code ?? ''),
    );
  }
  assert.equal(upstream.requests.length, 0);
});

test('upstream downloads are paced by the WAN token bucket', async (t) => {
  const { FakeClock } = await import('../../fakes/cache-upstream.js');
  const clock = new FakeClock(0);
  const { cache, upstream } = await cacheHarness(t, { clock, rateBytesPerSec: 100_000 });
  const url = pool('w/wan_1_all.deb');
  upstream.put(url, { body: randomBytes(300_000) });
  await readAll(cache, url);
  // 100 kB burst, then 200 kB at 100 kB/s.
  assert.ok(clock.t >= 2000 && clock.t < 2100, `paced: ${clock.t} ms`);
});

test('with strict download windows a miss outside the window is refused; hits still work', async (t) => {
  const { FakeClock } = await import('../../fakes/cache-upstream.js');
  const { DownloadWindows } = await import('../../../daemon/cache/download-window.js');
  const clock = new FakeClock(new Date(2026, 0, 5, 12, 0).getTime());
  const { cache, upstream } = await cacheHarness(t, {
    clock,
    windows: new DownloadWindows(['22:00-06:00']),
    strictWindows: true,
  });
  const url = pool('n/night_1_all.deb');
  upstream.put(url, { body: Buffer.from('night') });
  await assert.rejects(cache.resolve(url), /only allowed 22:00-06:00/);
  assert.equal(upstream.requests.length, 0);
  clock.t = new Date(2026, 0, 5, 23, 0).getTime();
  assert.equal((await readAll(cache, url)).toString(), 'night');
  clock.t = new Date(2026, 0, 6, 12, 0).getTime();
  assert.equal((await readAll(cache, url)).toString(), 'night', 'cached files are served at any time');
});

test('a late joiner of a large download reads the early part from disk and the rest from memory', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const body = randomBytes(6 * 1024 * 1024 + 12_345);
  const url = pool('l/large_1_amd64.deb');
  upstream.put(url, { body });
  upstream.chunkSize = 100_000; // chunk boundaries that do not line up with the reader's
  const release = upstream.stall(url, 5 * 1024 * 1024 + 777);
  const first = await cache.resolve(url);
  if (first.kind !== 'download') throw new Error('expected a download');
  await waitFor(() => first.download.written >= 5 * 1024 * 1024 + 777, 'the stall point');
  const late = readAll(cache, url);
  release();
  const got = await late;
  assert.equal(sha(got), sha(body));
  await first.release();
});
