/**
 * Two daemons with their own data directories but one `cache.dir`: the data-dir lock does not
 * cover it, and the second used to sweep `tmp/` (the first one's downloads in flight) at start.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CacheModule } from '../../../daemon/cache/cache-module.js';
import { configSchema } from '../../../daemon/config.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const cacheOn = (dataDir: string, dir: string): CacheModule =>
  new CacheModule(
    configSchema.parse({
      dataDir,
      cache: { dir, upstreams: ['http://127.0.0.1:9/debian/'], proxy: { enabled: false } },
    }),
    memoryLogger(),
    'shared-cache-dir',
  );

test('a second cache on a cache.dir in use refuses, naming it, and leaves the downloads in flight alone', async (t) => {
  const base = await tempDir(t);
  const shared = join(base, 'shared-cache');
  const first = cacheOn(join(base, 'a'), shared);
  await first.start();
  t.after(() => first.stop());
  const inFlight = join(shared, 'tmp', 'download-in-flight.part');
  await writeFile(inFlight, 'partial bytes');

  const second = cacheOn(join(base, 'b'), shared);
  await assert.rejects(second.start(), (err: Error) => {
    assert.match(err.message, new RegExp(`${shared} is in use by patch-depot cache \\(pid ${process.pid}`));
    assert.match(err.message, /use another cache\.dir/);
    return true;
  });
  assert.deepEqual(await readdir(join(shared, 'tmp')), ['download-in-flight.part']);

  await first.stop();
  const after = cacheOn(join(base, 'b'), shared);
  await after.start();
  await after.stop();
});
