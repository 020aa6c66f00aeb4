/**
 * Resume against a hostile loopback upstream whose file changes between a dropped first attempt
 * and the resume (issue 8, finding 8): the cache ends up with the new file, never a splice.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';
import { startHostileUpstream } from '../../support/hostile-upstream.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const setUp = async (t: Parameters<typeof cacheStack>[0]) => {
  const mirror = await startHostileUpstream(t);
  const s = await cacheStack(t, { allow: new UpstreamAllowList([`${mirror.base}/debian/`]) });
  /** Cache `url` as a prefetch would: hold the download until it is over. */
  const fetchWhole = async (url: string): Promise<void> => {
    const r = await s.cache.resolve(url);
    if (r.kind === 'download') await r.download.done.finally(() => r.release());
    else await r.release();
  };
  return { mirror, s, fetchWhole };
};

test('a file that changes between a dropped attempt and the resume, with no validators, is fetched anew', async (t) => {
  const { mirror, s, fetchWhole } = await setUp(t);
  const [old, next] = [randomBytes(1_000_000), randomBytes(1_000_000)];
  const url = mirror.route('/debian/pool/main/c/changing_1_all.deb', {
    mode: 'change-between-requests',
    bodies: [old, next],
    dropAfter: 300_000,
  });
  await fetchWhole(url);
  assert.equal(s.cache.index.get(url)?.sha256, sha(next), 'the new file, not old[0..300k] + new[300k..]');
  assert.equal(mirror.requests.length, 2);
  assert.equal(mirror.requests[1]!.headers.range, undefined, 'restarted from byte 0');
  const served = await viaProxy(s.proxyUrl, url);
  assert.equal(served.headers['x-cache'], 'HIT');
  assert.equal(sha(served.body), sha(next));
});

test('a file that changes under a strong ETag is sent whole on the resume, and that is what is cached', async (t) => {
  const { mirror, s, fetchWhole } = await setUp(t);
  const [old, next] = [randomBytes(1_000_000), randomBytes(1_000_000)];
  const url = mirror.route('/debian/pool/main/c/changing_2_all.deb', {
    mode: 'change-between-requests',
    bodies: [old, next],
    dropAfter: 300_000,
    headers: [{ etag: '"v1"' }, { etag: '"v2"' }],
  });
  await fetchWhole(url);
  assert.equal(mirror.requests.length, 2);
  assert.match(String(mirror.requests[1]!.headers.range), /^bytes=[1-9]\d*-$/);
  assert.equal(mirror.requests[1]!.headers['if-range'], '"v1"', 'resumed only if still v1');
  assert.equal(s.cache.index.get(url)?.sha256, sha(next));
  assert.equal(s.cache.index.get(url)?.etag, '"v2"');
});

test('a strong Last-Modified (a second older than Date) resumes with If-Range; a weak one starts over', async (t) => {
  const { mirror, s, fetchWhole } = await setUp(t);
  const body = randomBytes(1_000_000);
  const hourAgo = new Date(Date.now() - 3_600_000).toUTCString();
  const strong = mirror.route('/debian/pool/main/d/dated_1_all.deb', {
    mode: 'drop-after',
    body,
    after: 300_000,
    headers: { 'last-modified': hourAgo },
  });
  await fetchWhole(strong);
  const resumed = mirror.requests.filter((q) => q.path.endsWith('dated_1_all.deb'));
  assert.equal(resumed.length, 2);
  assert.match(String(resumed[1]!.headers.range), /^bytes=[1-9]\d*-$/);
  assert.equal(resumed[1]!.headers['if-range'], hourAgo);
  assert.equal(s.cache.index.get(strong)?.sha256, sha(body));

  // Not at least a second before the response's Date: weak (RFC 9110 8.8.2.2), no If-Range.
  const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
  const weak = mirror.route('/debian/pool/main/d/dated_2_all.deb', {
    mode: 'drop-after',
    body,
    after: 300_000,
    headers: { 'last-modified': inAnHour },
  });
  await fetchWhole(weak);
  const restarted = mirror.requests.filter((q) => q.path.endsWith('dated_2_all.deb'));
  assert.deepEqual(
    restarted.map((q) => [q.headers.range, q.headers['if-range']]),
    [
      [undefined, undefined],
      [undefined, undefined],
    ],
  );
  assert.equal(s.cache.index.get(weak)?.sha256, sha(body));
});
