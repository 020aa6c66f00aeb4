import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { UpstreamRequest } from '../../../daemon/cache/ports.js';
import { continuesAt, ifRangeValidator, parseContentRange } from '../../../daemon/cache/resume.js';
import { cacheHarness, ORIGIN, readAll } from '../../fakes/cache-harness.js';
import { FakeUpstream } from '../../fakes/cache-upstream.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Cache `url` as a prefetch would: hold the download until it is over (no reader to cut off). */
const fetchWhole = async (cache: Awaited<ReturnType<typeof cacheHarness>>['cache'], url: string) => {
  const r = await cache.resolve(url);
  assert.equal(r.kind, 'download');
  if (r.kind === 'download') await r.download.done.finally(() => r.release());
};

test('If-Range only with a strong validator (RFC 9110 13.1.5, 8.8.2.2)', () => {
  assert.equal(ifRangeValidator({ etag: '"abc"' }), '"abc"');
  assert.equal(ifRangeValidator({ etag: 'W/"abc"' }), undefined, 'a weak ETag never');
  const lastModified = 'Sun, 01 Mar 2026 10:00:00 GMT';
  assert.equal(
    ifRangeValidator({ etag: 'W/"abc"', lastModified, date: 'Mon, 02 Mar 2026 10:00:00 GMT' }),
    undefined,
    'no date when there is an ETag at all',
  );
  assert.equal(ifRangeValidator({ lastModified, date: 'Sun, 01 Mar 2026 10:00:01 GMT' }), lastModified);
  assert.equal(
    ifRangeValidator({ lastModified, date: lastModified }),
    undefined,
    'modified within that second',
  );
  assert.equal(ifRangeValidator({ lastModified }), undefined, 'no Date to tell');
  assert.equal(ifRangeValidator({ lastModified: 'yesterday', date: lastModified }), undefined);
  assert.equal(ifRangeValidator({}), undefined);
});

test('a 206 continues the file only from the offset asked for, to the same end', () => {
  assert.deepEqual(parseContentRange('bytes 100-999/1000'), { start: 100, end: 999, total: 1000 });
  assert.deepEqual(parseContentRange('bytes 100-999/*'), { start: 100, end: 999, total: undefined });
  for (const bad of [
    undefined,
    '',
    'bytes 100-99/1000',
    'bytes 100-1000/1000',
    'items 1-2/3',
    'bytes */1000',
  ])
    assert.equal(parseContentRange(bad), undefined, String(bad));
  assert.equal(continuesAt(parseContentRange('bytes 100-999/1000'), 100, 1000), true);
  assert.equal(continuesAt(parseContentRange('bytes 100-999/*'), 100, undefined), true);
  assert.equal(continuesAt(parseContentRange('bytes 0-999/1000'), 100, 1000), false, 'wrong offset');
  assert.equal(continuesAt(parseContentRange('bytes 100-1199/1200'), 100, 1000), false, 'another file');
  assert.equal(continuesAt(parseContentRange('bytes 100-499/1000'), 100, 1000), false, 'stops short');
  assert.equal(continuesAt(undefined, 100, 1000), false);
});

/** After the first request has been answered, the file at `url` becomes `next`. */
class ChangingUpstream extends FakeUpstream {
  constructor(
    private readonly url: string,
    private readonly next: Buffer,
  ) {
    super();
  }
  override async request(req: UpstreamRequest) {
    const res = await super.request(req);
    if (this.count(this.url) === 1) this.put(this.url, { body: this.next });
    return res;
  }
}

test('without a validator a dropped download starts again from byte 0, never spliced', async (t) => {
  const url = `${ORIGIN}pool/main/s/splice_1_all.deb`;
  const [old, next] = [randomBytes(300_000), randomBytes(300_000)];
  const upstream = new ChangingUpstream(url, next);
  upstream.put(url, { body: old });
  upstream.drops.set(url, { after: 100_000, times: 1 });
  const { cache } = await cacheHarness(t, { upstream });
  await fetchWhole(cache, url);
  assert.equal(cache.index.get(url)?.sha256, sha(next));
  assert.equal(upstream.requests[1]?.headers.range, undefined, 'no blind Range');
  assert.ok((await readAll(cache, url)).equals(next));
});

test('with only an expected sha256, a blind resume that splices is caught and restarts from 0 once', async (t) => {
  const url = `${ORIGIN}pool/main/s/splice_2_all.deb`;
  const [old, next] = [randomBytes(300_000), randomBytes(300_000)];
  const upstream = new ChangingUpstream(url, next);
  upstream.put(url, { body: old });
  upstream.drops.set(url, { after: 100_000, times: 1 });
  const { cache } = await cacheHarness(t, { upstream });
  cache.expected.set(url, { sha256: sha(next), size: next.length });
  await fetchWhole(cache, url);
  const asked = upstream.requests.map((q) => [q.headers.range, q.headers['if-range']]);
  assert.deepEqual(asked, [
    [undefined, undefined],
    ['bytes=100000-', undefined],
    [undefined, undefined],
  ]);
  assert.equal(cache.index.get(url)?.sha256, sha(next));
  assert.equal(cache.index.get(url)?.verified, 'sha256');
});

test('a weak ETag is no reason to resume: the download starts again from byte 0', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const url = `${ORIGIN}pool/main/w/weak_1_all.deb`;
  const body = randomBytes(200_000);
  upstream.put(url, { body, etag: 'W/"v1"' });
  upstream.drops.set(url, { after: 50_000, times: 1 });
  await fetchWhole(cache, url);
  assert.deepEqual(
    upstream.requests.map((q) => q.headers.range),
    [undefined, undefined],
  );
  assert.ok((await readAll(cache, url)).equals(body));
});
