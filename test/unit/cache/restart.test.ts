import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheHarness, ORIGIN, readAll } from '../../fakes/cache-harness.js';
import { FakeUpstream } from '../../fakes/cache-upstream.js';

const url = (n: string): string => `${ORIGIN}pool/main/${n}.deb`;

test('a restart serves what was cached, repairs a damaged index and sweeps leftovers', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pd-cache-restart-'));
  const upstream = new FakeUpstream();
  for (const n of ['a', 'b', 'c']) upstream.put(url(n), { body: Buffer.from(`bytes of ${n}`) });
  {
    const { cache } = await cacheHarness(t, { root, upstream });
    for (const n of ['a', 'b', 'c']) await readAll(cache, url(n));
    await cache.stop();
  }
  const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8'));
  assert.equal(index.entries.length, 3);
  // Damage: b's blob disappears, c's is truncated, a stray blob and a half download appear.
  const shaOf = (n: string) => index.entries.find((e: { url: string }) => e.url === url(n)).sha256 as string;
  const blobPath = (sha: string) => join(root, 'blobs', sha.slice(0, 2), sha);
  await rm(blobPath(shaOf('b')));
  await writeFile(blobPath(shaOf('c')), 'trunc');
  const stray = 'f'.repeat(64);
  await writeFile(join(root, 'blobs', shaOf('a').slice(0, 2), stray), 'orphan');
  await writeFile(join(root, 'tmp', '123-abc.part'), 'half a download');

  const { cache } = await cacheHarness(t, { root, upstream });
  assert.deepEqual(
    cache.index.all().map((e) => e.url),
    [url('a')],
    'entries without intact blobs are dropped',
  );
  assert.equal((await cache.blobs.list()).has(stray), false, 'orphan blob removed');
  assert.deepEqual(await readdir(join(root, 'tmp')), [], 'partial downloads are never resumed from disk');
  const before = upstream.requests.length;
  assert.equal((await readAll(cache, url('a'))).toString(), 'bytes of a');
  assert.equal(upstream.requests.length, before, 'served from disk after restart');
  assert.equal((await readAll(cache, url('c'))).toString(), 'bytes of c', 're-fetched');
  await cache.stop();
  await rm(root, { recursive: true, force: true });
});

test('an unreadable index file starts empty instead of refusing to start', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pd-cache-bad-'));
  await writeFile(join(root, 'index.json'), '{"version":1,"entries":[{"url":');
  const { cache } = await cacheHarness(t, { root });
  assert.equal(cache.index.size, 0);
  await cache.stop();
  await rm(root, { recursive: true, force: true });
});

test('statistics and queued prefetch jobs survive a restart', async (t) => {
  const { FakeClock } = await import('../../fakes/cache-upstream.js');
  const { DownloadWindows } = await import('../../../daemon/cache/download-window.js');
  const root = await mkdtemp(join(tmpdir(), 'pd-cache-jobs-'));
  const upstream = new FakeUpstream();
  upstream.put(url('s'), { body: Buffer.from('stats') });
  // Noon, and prefetch may only run at night: the job stays queued.
  const clock = new FakeClock(new Date(2026, 0, 5, 12, 0).getTime());
  const windows = new DownloadWindows(['22:00-06:00']);
  {
    const { cache } = await cacheHarness(t, { root, upstream, clock, windows });
    await readAll(cache, url('s'));
    await readAll(cache, url('s'));
    await cache.prefetch.add([{ url: url('later'), pin: true }]);
    await cache.stop();
  }
  const { cache } = await cacheHarness(t, { root, upstream, clock, windows });
  const s = cache.summary();
  assert.equal(s.hits, 1);
  assert.equal(s.misses, 1);
  assert.equal(s.fromUpstream, 5);
  assert.equal(s.fromCache, 0, 'readAll does not report served bytes; only counters above');
  assert.deepEqual(
    cache.prefetch.jobs().flatMap((j) => j.items.map((i) => [i.url, i.status, i.pin])),
    [[url('later'), 'queued', true]],
  );
  assert.equal(upstream.count(url('later')), 0, 'outside the window nothing was fetched');
  await cache.stop();
  await rm(root, { recursive: true, force: true });
});

test('a blob damaged in place (same size) is found by the start-up scrub and fetched again', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pd-cache-scrub-'));
  const upstream = new FakeUpstream();
  upstream.put(url('rot'), { body: Buffer.from('good bytes') });
  {
    const { cache } = await cacheHarness(t, { root, upstream });
    await readAll(cache, url('rot'));
    await cache.stop();
  }
  const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8'));
  const sha = index.entries[0].sha256 as string;
  await writeFile(join(root, 'blobs', sha.slice(0, 2), sha), 'bad  bytes');
  const { cache } = await cacheHarness(t, { root, upstream });
  await cache.scrubbed();
  assert.equal(cache.index.get(url('rot')), undefined, 'damaged entry dropped');
  assert.equal((await readAll(cache, url('rot'))).toString(), 'good bytes');
  assert.equal(upstream.count(url('rot')), 2);
  await cache.stop();
  await rm(root, { recursive: true, force: true });
});
