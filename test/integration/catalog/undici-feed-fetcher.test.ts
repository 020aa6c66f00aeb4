import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { feedHopRefusal, UndiciFeedFetcher } from '../../../daemon/catalog/undici-feed-fetcher.js';
import { startHostileUpstream } from '../../support/hostile-upstream.js';
import { type FeedServer, startFeedServer } from './feed-server.js';

describe('UndiciFeedFetcher against a real HTTP server', () => {
  let server: FeedServer;
  const fetcher = new UndiciFeedFetcher({
    connectTimeoutMs: 2000,
    timeoutMs: 5000,
    userAgent: 'patch-depot-test',
  });
  before(async () => {
    server = await startFeedServer(new Map([['/feed.json', Buffer.from('{"curl":{}}')]]));
  });
  after(async () => {
    await fetcher.close();
    await server.close();
  });

  it('fetches, then revalidates with If-None-Match and gets a 304', async () => {
    const first = await fetcher.fetch({ url: `${server.url}/feed.json`, maxBytes: 1000 });
    assert.equal(first.status, 'ok');
    if (first.status !== 'ok') return;
    assert.equal(Buffer.from(first.body).toString(), '{"curl":{}}');
    assert.ok(first.etag);
    assert.equal(first.lastModified, 'Sun, 22 Nov 2026 02:09:05 GMT');
    const second = await fetcher.fetch({ url: `${server.url}/feed.json`, etag: first.etag, maxBytes: 1000 });
    assert.equal(second.status, 'not-modified');
    const last = server.requests.at(-1);
    assert.equal(last?.headers['if-none-match'], first.etag);
    assert.equal(last?.status, 304);
    assert.equal(last?.headers['user-agent'], 'patch-depot-test');
    const byDate = await fetcher.fetch({
      url: `${server.url}/feed.json`,
      lastModified: first.lastModified,
      maxBytes: 1000,
    });
    assert.equal(byDate.status, 'not-modified');
  });

  it('fails clearly on 404, oversize bodies and refused connections', async () => {
    await assert.rejects(
      fetcher.fetch({ url: `${server.url}/missing`, maxBytes: 1000 }),
      /missing: HTTP 404/,
    );
    await assert.rejects(
      fetcher.fetch({ url: `${server.url}/feed.json`, maxBytes: 5 }),
      /over the 5-byte limit/,
    );
    await assert.rejects(
      fetcher.fetch({ url: 'http://127.0.0.1:9/x', maxBytes: 5 }),
      (err: Error & { code?: string }) => err.code === 'UNAVAILABLE',
    );
  });
});

test('feed redirects stay on the feed host: another host is refused, a move on the same host works', async (t) => {
  const fetcher = new UndiciFeedFetcher({
    connectTimeoutMs: 2000,
    timeoutMs: 5000,
    userAgent: 'patch-depot-test',
  });
  t.after(() => fetcher.close());
  const internal = await startHostileUpstream(t, '127.0.0.2');
  const secret = internal.route('/secret', { mode: 'file', body: Buffer.from('internal only') });
  const vendor = await startHostileUpstream(t);
  const evil = vendor.route('/tracker/data/json', { mode: 'redirect', location: secret });
  await assert.rejects(
    fetcher.fetch({ url: evil, maxBytes: 1000 }),
    (err: Error & { code?: string }) =>
      err.code === 'UNAVAILABLE' &&
      err.message ===
        `redirect from ${evil} to ${secret} refused: a feed only follows redirects on its own host (127.0.0.1)`,
  );
  assert.equal(internal.requests.length, 0, 'the other host was never contacted');

  vendor.route('/v2/feed.json', { mode: 'file', body: Buffer.from('{"curl":{}}') });
  const moved = vendor.route('/feed.json', { mode: 'redirect', status: 301, location: '/v2/feed.json' });
  const ok = await fetcher.fetch({ url: moved, maxBytes: 1000 });
  assert.equal(ok.status === 'ok' && Buffer.from(ok.body).toString(), '{"curl":{}}');
});

test('feed redirect policy: no downgrade to http, no other scheme, no credentials, no other host', () => {
  const hop = (start: string, to: string) =>
    feedHopRefusal({ start: new URL(start), from: new URL(start), to: new URL(to) });
  assert.equal(hop('https://osv.test/a.zip', 'https://osv.test/b/a.zip'), undefined);
  assert.equal(hop('http://osv.test/a.zip', 'https://osv.test/a.zip'), undefined, 'an upgrade is fine');
  assert.match(String(hop('https://osv.test/a.zip', 'http://osv.test/a.zip')), /downgrades https to http/);
  assert.match(String(hop('https://osv.test/a.zip', 'file:///etc/passwd')), /file: URLs are not fetched/);
  assert.match(String(hop('https://osv.test/a.zip', 'https://u:p@osv.test/a.zip')), /credentials/);
  assert.match(
    String(hop('https://osv.test/a.zip', 'https://osv.test.evil/a.zip')),
    /its own host \(osv.test\)/,
  );
});
