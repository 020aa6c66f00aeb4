import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CacheEntry } from '../../../daemon/cache/cache-index.js';
import type { Resolved } from '../../../daemon/cache/cache-service.js';
import { clientMaxAgeMs, parseRange, planResponse } from '../../../daemon/cache/serve-plan.js';

const hit = (over: Partial<CacheEntry> = {}): Resolved => ({
  kind: 'hit',
  stale: false,
  handle: undefined as never,
  release: async () => undefined,
  entry: {
    url: 'http://m.test/x',
    sha256: 'a'.repeat(64),
    size: 1000,
    lastModified: 'Tue, 01 Jul 2025 10:00:00 GMT',
    contentType: 'application/vnd.debian.binary-package',
    fetchedAt: 0,
    validatedAt: 0,
    hits: 0,
    lastAccess: 0,
    pinned: false,
    mutable: false,
    verified: 'sha256',
    ...over,
  },
});
const req = (method: string, headers: Record<string, string> = {}) => ({
  method,
  header: (n: string) => headers[n],
});

test('range parsing', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 100 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { start: 900, end: 1000 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 1000 });
  assert.deepEqual(parseRange('BYTES=1-2', 1000), { start: 1, end: 3 }, 'the unit is case-insensitive');
  assert.deepEqual(parseRange('bytes=990-5000', 1000), { start: 990, end: 1000 });
  assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-6', 1000), undefined, 'multi-range answered whole');
  assert.equal(parseRange('items=1-2', 1000), undefined);
  // RFC 9110 14.1.1: a last-pos below the first-pos is an invalid range, ignored (200, the whole
  // file); only a valid range that starts past the end is unsatisfiable (416).
  assert.equal(parseRange('bytes=5-1', 1000), undefined, 'invalid: answered whole');
  assert.equal(parseRange('bytes=5000-1', 1000), undefined, 'invalid, even past the end');
  assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=5000-6000', 1000), 'unsatisfiable');
  assert.deepEqual(parseRange('bytes=5-5', 1000), { start: 5, end: 6 });
});

test('GET, HEAD, Range, If-Range and conditional requests on a cached file', () => {
  const full = planResponse(req('GET'), hit());
  assert.equal(full.status, 200);
  assert.equal(full.headers['content-length'], '1000');
  assert.equal(full.headers['accept-ranges'], 'bytes');
  const head = planResponse(req('HEAD'), hit());
  assert.equal(head.status, 200);
  assert.equal(head.body, undefined);
  assert.equal(head.headers['content-length'], '1000');
  const part = planResponse(req('GET', { range: 'bytes=100-199' }), hit());
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], 'bytes 100-199/1000');
  assert.deepEqual(part.body, { start: 100, end: 200 });
  assert.equal(planResponse(req('GET', { range: 'bytes=5000-' }), hit()).status, 416);
  assert.equal(planResponse(req('GET', { range: 'bytes=1-2', 'if-range': '"other"' }), hit()).status, 200);
  assert.equal(planResponse(req('GET', { 'if-none-match': `"${'a'.repeat(64)}"` }), hit()).status, 304);
  assert.equal(
    planResponse(req('GET', { 'if-modified-since': 'Wed, 02 Jul 2025 10:00:00 GMT' }), hit()).status,
    304,
  );
  assert.equal(
    planResponse(req('GET', { 'if-modified-since': 'Mon, 30 Jun 2025 10:00:00 GMT' }), hit()).status,
    200,
  );
});

test('client freshness requests', () => {
  assert.equal(clientMaxAgeMs(req('GET', { 'cache-control': 'max-age=0' })), 0);
  assert.equal(clientMaxAgeMs(req('GET', { 'cache-control': 'no-store, max-age=30' })), 30_000);
  assert.equal(clientMaxAgeMs(req('GET', { 'cache-control': 'no-cache' })), 0);
  assert.equal(clientMaxAgeMs(req('GET', { pragma: 'no-cache' })), 0);
  assert.equal(clientMaxAgeMs(req('GET')), undefined);
});

test('the Content-Type comes from the file name, never from the upstream; HTML is a sandboxed download', () => {
  const page = planResponse(
    req('GET'),
    hit({ url: 'http://m.test/debian/readme.html', contentType: 'text/html' }),
  );
  assert.equal(page.headers['content-type'], 'application/octet-stream');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['content-security-policy'], 'sandbox');
  assert.equal(page.headers['content-disposition'], 'attachment');
  const deb = planResponse(
    req('GET'),
    hit({ url: 'http://m.test/debian/pool/x_1_all.deb', contentType: 'text/html' }),
  );
  assert.equal(deb.headers['content-type'], 'application/vnd.debian.binary-package');
  assert.equal(deb.headers['content-disposition'], undefined, 'packages are not attachments');
  assert.equal(deb.headers['content-security-policy'], 'sandbox');
  const download = {
    kind: 'download',
    joined: false,
    release: async () => undefined,
    download: { url: 'http://m.test/debian/readme.html', contentType: 'text/html', total: 10 },
  } as unknown as Resolved;
  const miss = planResponse(req('GET'), download);
  assert.equal(miss.headers['content-type'], 'application/octet-stream');
  assert.equal(miss.headers['content-disposition'], 'attachment');
  assert.equal(miss.headers['x-content-type-options'], 'nosniff');
  const notModified = planResponse(req('GET', { 'if-none-match': `"${'a'.repeat(64)}"` }), hit());
  assert.equal(notModified.headers['x-content-type-options'], 'nosniff');
});
