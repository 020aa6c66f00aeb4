/**
 * The three debounced documents (asset file, cache index, state) share one writer now; files the
 * earlier per-store writers left in existing data dirs must load, and what is written back keeps
 * the same shape and file mode.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CacheIndex } from '../../../daemon/cache/cache-index.js';
import { AssetStore } from '../../../daemon/discovery/asset-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { sampleAsset } from '../../sample-asset.js';
import { tempDir } from '../../temp-dir.js';

const asset = sampleAsset({
  id: 'm-b8:27:eb:00:00:01',
  mac: 'b8:27:eb:00:00:01',
  ip: '10.0.0.7',
  vendor: 'Raspberry Pi',
  hostnames: ['pi'],
  openPorts: [22],
});

test('an asset file written by the earlier writer loads, and is written back the same way', async (t) => {
  const dir = await tempDir(t);
  // Exactly what the earlier AssetStore wrote: one line, a newline, mode 0640.
  await writeFile(join(dir, 'assets.json'), `${JSON.stringify({ version: 1, assets: [asset] })}\n`, {
    mode: 0o640,
  });
  const store = new AssetStore(dir, 5, memoryLogger());
  await store.start();
  assert.deepEqual(store.byId(asset.id), asset);
  await store.apply([{ ...asset, notes: 'moved desk' }]);
  await store.stop();
  const text = await readFile(join(dir, 'assets.json'), 'utf8');
  assert.equal(text.split('\n').length, 2, 'one line and a newline');
  assert.deepEqual(JSON.parse(text), { version: 1, assets: [{ ...asset, notes: 'moved desk' }] });
  assert.equal((await stat(join(dir, 'assets.json'))).mode & 0o777, 0o640);
});

test('a cache index written by the earlier writer loads with its statistics', async (t) => {
  const root = await tempDir(t);
  const entry = {
    url: 'http://mirror.example/debian/pool/main/c/curl/curl_8.5.0-2_amd64.deb',
    sha256: 'a'.repeat(64),
    size: 1234,
    etag: '"e1"',
    contentType: 'application/vnd.debian.binary-package',
    fetchedAt: 1,
    validatedAt: 1,
    hits: 3,
    lastAccess: 2,
    pinned: false,
    mutable: false,
    verified: 'sha256',
  };
  const stats = { fromCache: 10, fromUpstream: 1234, hits: 3, misses: 1, days: [] };
  // The earlier CacheIndex wrote one line with no trailing newline.
  await writeFile(join(root, 'index.json'), JSON.stringify({ version: 1, entries: [entry], stats }));
  const index = new CacheIndex(root, memoryLogger(), 5);
  await index.load();
  assert.deepEqual(index.get(entry.url), entry);
  assert.equal(index.stats.totals.fromUpstream, 1234);
  index.touch(entry.url, 5);
  await index.close();
  const onDisk = JSON.parse(await readFile(join(root, 'index.json'), 'utf8'));
  assert.deepEqual(onDisk, { version: 1, entries: [{ ...entry, hits: 4, lastAccess: 5 }], stats });
  assert.equal((await stat(join(root, 'index.json'))).mode & 0o777, 0o640);
});
