import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CacheHealthSource, cacheProblems } from '../../../daemon/cache/cache-health.js';

const MiB = 1024 * 1024;
const source = (over: Partial<CacheHealthSource> & { used?: number; freeBytes?: number } = {}) => ({
  summary: () => ({ usedBytes: over.used ?? 100 * MiB, quotaBytes: 1024 * MiB }),
  free: async () => over.freeBytes ?? 10_000 * MiB,
  minFreeBytes: 512 * MiB,
  proxy: { port: 3142, listening: true },
  ...over,
});

test('a healthy cache reports nothing', async () => {
  assert.deepEqual(await cacheProblems(source()), []);
  assert.deepEqual(await cacheProblems(source({ proxy: undefined })), [], 'proxy disabled: not a problem');
});

test('proxy port down, cache at its quota, volume nearly full: each is a problem with a way out', async () => {
  const problems = await cacheProblems(
    source({ proxy: { port: 3142, listening: false }, used: 1000 * MiB, freeBytes: 700 * MiB }),
  );
  assert.deepEqual(
    problems.map((p) => p.source),
    ['cache', 'cache', 'cache'],
  );
  assert.match(problems[0]!.message, /apt proxy port 3142 is not listening/);
  assert.match(problems[1]!.message, /at 98 % of its quota \(1000 MiB of 1\.0 GiB\).*raise cache\.quotaMB/);
  assert.match(
    problems[2]!.message,
    /only 700 MiB free on the cache volume \(cache\.minFreeMB keeps 512 MiB free\)/,
  );
});
