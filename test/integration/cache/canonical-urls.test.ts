/**
 * One file, one key, one fetch: the spellings apt and curl use for the same package name reach the
 * origin once, and encoded slashes never reach it at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';

test('`+`, `%2b` and `%2B` in a package name are one cache entry fetched once', async (t) => {
  const s = await cacheStack(t);
  const path = '/debian/pool/main/g/gcc-12/libstdc++6_12.2.0-14_amd64.deb';
  const body = Buffer.from('libstdc++ bytes');
  s.origin.put(path, { body });
  const spellings = [
    `${s.origin.base}/debian/pool/main/g/gcc-12/libstdc%2b%2b6_12.2.0-14_amd64.deb`, // apt
    `${s.origin.base}${path}`, // curl, and the Filename of a Packages file
    `${s.origin.base}/debian/pool/main/g/gcc-12/libstdc%2B%2B6_12.2.0-14_amd64.deb`,
    `/cache/127.0.0.1:${s.origin.port}/debian/pool/main/g/gcc-12/libstdc%2b%2b6_12.2.0-14_amd64.deb`,
  ];
  for (const url of spellings) {
    const r = await viaProxy(s.proxyUrl, url);
    assert.equal(r.status, 200, url);
    assert.ok(r.body.equals(body), url);
  }
  assert.equal(s.origin.count(path), 1, 'fetched once, by the name the mirror serves');
  assert.equal(s.cache.index.size, 1);
  assert.ok(s.cache.index.get(`${s.origin.base}${path}`));
});

test('encoded slashes and climbs above the root are refused before any upstream request', async (t) => {
  const s = await cacheStack(t);
  s.origin.put('/private/secret', { body: Buffer.from('secret') });
  for (const url of [
    `${s.origin.base}/debian/..%2fprivate/secret`,
    `${s.origin.base}/debian/..%5Cprivate/secret`,
    `${s.origin.base}/debian/%2e%2e/%2e%2e/private/secret`,
    `/cache/127.0.0.1:${s.origin.port}/debian/..%2Fprivate/secret`,
  ]) {
    const r = await viaProxy(s.proxyUrl, url);
    assert.equal(r.status, 400, url);
    assert.match(r.body.toString(), /encoded slashes|above the server root/);
  }
  assert.equal(s.origin.requests.length, 0);
});
