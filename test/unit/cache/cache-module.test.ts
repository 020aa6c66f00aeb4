import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CacheModule } from '../../../daemon/cache/cache-module.js';
import { configSchema } from '../../../daemon/config.js';
import { memoryLogger } from '../../fakes/log.js';

test('download limits come from the cache config, with defaults that suit a Pi on a slow WAN', async (t) => {
  const limitsOf = (cache: Record<string, unknown>) => {
    const m = new CacheModule(configSchema.parse({ dataDir: '/nonexistent', cache }), memoryLogger(), 'test');
    t.after(() => m.upstream.close());
    return m.service.opts.limits;
  };
  assert.deepEqual(limitsOf({}), {
    abandonGraceMs: 5000,
    minRateBytes: 16_384,
    rateWindowMs: 60_000,
    maxDurationMs: 720 * 60_000,
  });
  assert.deepEqual(
    limitsOf({ abandonGraceSec: 0, minRateBytes: 0, rateWindowSec: 10, maxDownloadMinutes: 30 }),
    { abandonGraceMs: 0, minRateBytes: 0, rateWindowMs: 10_000, maxDurationMs: 30 * 60_000 },
  );
  const bad = configSchema.safeParse({ dataDir: '/x', cache: { rateWindowSec: 0, maxDownloadMinutes: 0 } });
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')).sort(), [
    'cache.maxDownloadMinutes',
    'cache.rateWindowSec',
  ]);
});
