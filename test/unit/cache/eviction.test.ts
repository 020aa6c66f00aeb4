import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { cacheHarness, ORIGIN, readAll } from '../../fakes/cache-harness.js';
import { FakeClock } from '../../fakes/cache-upstream.js';

const url = (n: string): string => `${ORIGIN}pool/main/${n}.deb`;

test('over quota the least recently used unpinned entries go first; pinned ones stay', async (t) => {
  const clock = new FakeClock();
  const { cache, upstream } = await cacheHarness(t, { quotaBytes: 3500, clock });
  for (const n of ['a', 'b', 'c']) upstream.put(url(n), { body: randomBytes(1000) });
  for (const n of ['a', 'b', 'c']) {
    clock.t += 1000;
    await readAll(cache, url(n));
  }
  clock.t += 1000;
  await readAll(cache, url('a')); // a is now the most recently used
  cache.setPinned(url('b'), true); // b is the oldest but pinned
  upstream.put(url('d'), { body: randomBytes(1000) });
  clock.t += 1000;
  await readAll(cache, url('d'));
  assert.deepEqual(
    cache.index
      .all()
      .map((e) => e.url)
      .sort(),
    [url('a'), url('b'), url('d')],
    'c (least recently used, unpinned) was evicted',
  );
  upstream.put(url('e'), { body: randomBytes(1000) });
  clock.t += 1000;
  await readAll(cache, url('e'));
  assert.equal(cache.index.get(url('a')), undefined, 'then a');
  assert.ok(cache.index.get(url('b')), 'pinned b survives');
  assert.ok(cache.index.usedBytes() <= 3500);
  assert.equal((await cache.blobs.list()).size, 3, 'evicted blobs are deleted from disk');
});

test('a file larger than the quota is refused with a clear message and nothing is stored', async (t) => {
  const { cache, upstream } = await cacheHarness(t, { quotaBytes: 1000 });
  upstream.put(url('huge'), { body: randomBytes(5000) });
  await assert.rejects(cache.resolve(url('huge')), /does not fit in the cache quota.*raise cache.quotaMB/);
  assert.equal(cache.index.size, 0);
  assert.equal((await cache.blobs.list()).size, 0);
});

test('evict and unpin by request', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  upstream.put(url('x'), { body: Buffer.from('x') });
  await readAll(cache, url('x'));
  cache.setPinned(url('x'), true);
  assert.equal(cache.index.get(url('x'))?.pinned, true);
  await cache.evict(url('x'));
  assert.equal(cache.index.get(url('x')), undefined);
  await assert.rejects(cache.evict(url('x')), /not in the cache/);
  assert.throws(() => cache.setPinned(url('x'), true), /not in the cache/);
});
