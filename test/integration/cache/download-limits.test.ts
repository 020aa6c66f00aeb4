/**
 * What a hostile loopback upstream cannot do to the cache (issue 8, finding 5): fill the disk with
 * a body that has no Content-Length, keep a download running after every client left, or hold one
 * open for ever by dripping bytes. Every case ends with a clear log line and no temp file.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { DownloadLimits } from '../../../daemon/cache/download-limits.js';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';
import { startHostileUpstream } from '../../support/hostile-upstream.js';
import { waitFor } from '../../support/wait-for.js';

const MB = 1024 * 1024;
const LIMITS: DownloadLimits = {
  abandonGraceMs: 200,
  minRateBytes: 0,
  rateWindowMs: 60_000,
  maxDurationMs: 600_000,
};

const setUp = async (t: TestContext, over: Parameters<typeof cacheStack>[1] = {}) => {
  const mirror = await startHostileUpstream(t);
  const s = await cacheStack(t, {
    allow: new UpstreamAllowList([`${mirror.base}/debian/`]),
    limits: LIMITS,
    ...over,
  });
  const logged = (re: RegExp) => s.log.lines.find((l) => re.test(JSON.stringify(l)));
  return { mirror, s, logged };
};

test('a chunked flood stops at the quota, is not cached and leaves no temp file', {
  timeout: 60_000,
}, async (t) => {
  const quota = 4 * MB;
  const { mirror, s, logged } = await setUp(t, { quotaBytes: quota });
  const url = mirror.route('/debian/pool/main/f/flood_1_all.deb', { mode: 'flood' });
  const r = await viaProxy(s.proxyUrl, url);
  assert.equal(r.truncated, true, 'the client is cut off');
  assert.ok(r.body.length <= quota, `the client got ${r.body.length} bytes`);
  const line = logged(
    /stopped downloading .* after \d+ bytes \(no Content-Length\).*does not fit in the cache quota/,
  );
  assert.ok(line, 'the log says why');
  const stoppedAt = Number(/after (\d+) bytes/.exec(JSON.stringify(line))?.[1]);
  assert.ok(stoppedAt <= quota, `stopped at ${stoppedAt} bytes, within the ${quota}-byte quota`);
  assert.equal(s.cache.index.get(url), undefined);
  assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
  await waitFor(() => mirror.openConnections === 0, 'the flood connection to be closed');
});

test('a client leaving mid-download closes the upstream connection after the grace', {
  timeout: 60_000,
}, async (t) => {
  const { mirror, s, logged } = await setUp(t);
  const url = mirror.route('/debian/pool/main/d/drip_1_all.deb', { mode: 'drip', everyMs: 5 });
  const proxy = new URL(s.proxyUrl);
  const received = await new Promise<number>((resolve) => {
    const req = request({ host: proxy.hostname, port: proxy.port, path: url, agent: false }, (res) => {
      res.once('data', (chunk: Buffer) => {
        req.destroy(); // the client goes away after its first bytes
        resolve(chunk.length);
      });
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve(0));
    req.end();
  });
  assert.ok(received > 0, 'the client was being served when it left');
  // Every upstream connection ends (a retry racing the abort may have opened a second one).
  await waitFor(
    () => mirror.closedConnections >= 1 && mirror.openConnections === 0,
    'the upstream to be let go',
    45_000,
  );
  await waitFor(() => logged(/every client left/) !== undefined, 'the log line');
  assert.equal(s.cache.index.get(url), undefined);
  await waitFor(() => s.cache.fetcher.active.size === 0, 'the download to end');
  assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
});

test('an upstream dripping bytes is ended by the rate floor', { timeout: 60_000 }, async (t) => {
  const { mirror, s } = await setUp(t, {
    retries: 1,
    limits: { ...LIMITS, minRateBytes: 1000, rateWindowMs: 300 },
  });
  const url = mirror.route('/debian/pool/main/d/drip_2_all.deb', { mode: 'drip', everyMs: 10 });
  // Held as a prefetch holds it: a client would be cut off at the retry, which starts from byte 0.
  const r = await s.cache.resolve(url);
  assert.equal(r.kind, 'download');
  if (r.kind !== 'download') return;
  await assert.rejects(
    r.download.done.finally(() => r.release()),
    /failed after 2 attempts: the upstream sent \d+ bytes in \d+ ms, below the floor of 1000 bytes per 300 ms/,
  );
  assert.equal(s.cache.index.get(url), undefined);
  assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
  await waitFor(() => mirror.openConnections === 0, 'both drip connections to be closed');
  assert.equal(mirror.requests.length, 2);
});

test('a download that keeps above the rate floor still ends at the deadline', {
  timeout: 60_000,
}, async (t) => {
  const { mirror, s, logged } = await setUp(t, { limits: { ...LIMITS, maxDurationMs: 500 } });
  const url = mirror.route('/debian/pool/main/d/drip_3_all.deb', { mode: 'drip', everyMs: 5 });
  const r = await viaProxy(s.proxyUrl, url);
  assert.equal(r.truncated, true);
  assert.ok(logged(/stopped downloading .* it took longer than 500 ms \(cache.maxDownloadMinutes\)/));
  assert.equal(mirror.requests.length, 1, 'the deadline is final, not retried');
  assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
});
