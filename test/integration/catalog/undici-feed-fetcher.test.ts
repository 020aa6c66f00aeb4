import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UndiciFeedFetcher } from '../../../daemon/catalog/undici-feed-fetcher.js';
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
