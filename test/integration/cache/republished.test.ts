/**
 * A repository that publishes a file again under the same name (a local repository rebuilt, the
 * lab's vendor after a restart): once the index the cache holds names other bytes for it, the
 * cached copy is stale. It was served all the same, and every host's apt refused it ("File has
 * unexpected size ... Mirror sync in progress?") until someone evicted it by hand.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const packages = (file: string, body: Buffer) =>
  Buffer.from(
    `Package: pdlab-libssl\nVersion: 1.0-2\nFilename: ${file}\nSize: ${body.length}\nSHA256: ${sha(body)}\n\n`,
  );

test('a pool file the current index names with other bytes is fetched again, not served stale', async (t) => {
  const s = await cacheStack(t);
  const file = 'pool/main/pdlab-libssl_1.0-2_amd64.deb';
  const index = '/debian/dists/bookworm/main/binary-amd64/Packages';
  const first = Buffer.from('first build of 1.0-2');
  s.origin.put(index, { body: packages(file, first) });
  s.origin.put(`/debian/${file}`, { body: first });
  const get = (path: string, headers: Record<string, string> = {}) =>
    viaProxy(s.proxyUrl, `${s.origin.base}${path}`, { headers });
  assert.equal((await get(index)).status, 200);
  assert.ok((await get(`/debian/${file}`)).body.equals(first));

  // The repository is rebuilt: same name and version, other bytes, a new index.
  const second = Buffer.from('second build of 1.0-2, a bit longer');
  s.origin.put(index, { body: packages(file, second) });
  s.origin.put(`/debian/${file}`, { body: second });
  // apt update asks for a fresh index (Cache-Control: max-age=0), then the package.
  assert.equal((await get(index, { 'cache-control': 'max-age=0' })).status, 200);
  const again = await get(`/debian/${file}`);
  assert.equal(again.status, 200);
  assert.ok(again.body.equals(second), `served ${again.body.toString()}`);
  assert.equal(s.cache.index.get(`${s.origin.base}/debian/${file}`)?.sha256, sha(second));
});
