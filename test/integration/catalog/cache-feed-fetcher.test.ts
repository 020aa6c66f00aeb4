/**
 * The apt feed through the real package cache (cache service, blob store, undici upstream, a
 * loopback origin): metadata the cache may fetch comes through it, a second sync costs the origin
 * nothing while the cached InRelease is fresh, and URLs outside the cache's upstreams go direct.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CacheFeedFetcher } from '../../../daemon/catalog/cache-feed-fetcher.js';
import type { FeedContext } from '../../../daemon/catalog/feeds/adapter.js';
import { syncAptRepo } from '../../../daemon/catalog/feeds/apt-repo.js';
import { GpgvVerifier } from '../../../daemon/catalog/gpgv.js';
import { UndiciFeedFetcher } from '../../../daemon/catalog/undici-feed-fetcher.js';
import { WorkerFeedParser } from '../../../daemon/catalog/worker-feed-parser.js';
import { cacheStack } from '../../support/cache-stack.js';
import { startFeedServer } from './feed-server.js';

const fx = (p: string) =>
  readFileSync(new URL(`../../fixtures/catalog/apt/dists/bookworm-updates/${p}`, import.meta.url));
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

test('apt metadata comes through the cache; other URLs go direct', async (t) => {
  const stack = await cacheStack(t);
  const xz = fx('main/binary-amd64/Packages.xz');
  const hash = createHash('sha256').update(xz).digest('hex');
  stack.origin.put('/debian/dists/bookworm-updates/InRelease', { body: fx('InRelease') });
  stack.origin.put(`/debian/dists/bookworm-updates/main/binary-amd64/by-hash/SHA256/${hash}`, { body: xz });
  const direct = new UndiciFeedFetcher({
    connectTimeoutMs: 2000,
    timeoutMs: 5000,
    userAgent: 'patch-depot-test',
  });
  const fetcher = new CacheFeedFetcher(stack.cache, direct);
  t.after(() => fetcher.close());
  const spec = {
    id: 'debian-updates',
    kind: 'apt' as const,
    enabled: true,
    url: `${stack.origin.base}/debian`,
    suite: 'bookworm-updates',
    components: ['main'],
    architectures: ['amd64'],
    keyring: KEYRING,
  };
  const ctx = (previous?: FeedContext['previous']): FeedContext => ({
    fetcher,
    verifier: new GpgvVerifier(),
    parser: new WorkerFeedParser(),
    now: () => new Date('2026-11-23T00:00:00Z'),
    maxBytes: 8 << 20,
    maxUnpackedBytes: 64 << 20,
    trustedKeys: [],
    previous,
  });
  const first = await syncAptRepo(spec, ctx());
  assert.equal(first.status, 'ok');
  if (first.status !== 'ok') return;
  assert.equal(first.content.advisories.flatMap((a) => a.fixes).length, 38);
  assert.equal(stack.origin.count('/debian/dists/bookworm-updates/InRelease'), 1);
  assert.ok(
    stack.cache.index.get(`${stack.origin.base}/debian/dists/bookworm-updates/InRelease`),
    'InRelease is in the cache',
  );

  const again = await syncAptRepo(spec, ctx(first.state));
  assert.equal(again.status, 'not-modified');
  assert.equal(
    stack.origin.count('/debian/dists/bookworm-updates/InRelease'),
    1,
    'served from the cache, origin untouched',
  );

  // A document outside the cache's upstreams is fetched directly.
  const other = await startFeedServer(new Map([['/tracker.json', Buffer.from('{}')]]));
  t.after(() => other.close());
  const doc = await fetcher.fetch({ url: `${other.url}/tracker.json`, maxBytes: 100 });
  assert.equal(doc.status, 'ok');
  const outside = await fetcher
    .fetch({ url: `${other.url}/x/dists/y/InRelease`, maxBytes: 100 })
    .catch((e: Error) => e);
  assert.match(String(outside), /HTTP 404/, 'a dists/ URL the cache may not fetch goes direct');
});
