/** A CacheService over a temp dir and the in-memory upstream, with small, test-friendly settings. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CacheService, type CacheServiceOptions } from '../../daemon/cache/cache-service.js';
import { DownloadWindows } from '../../daemon/cache/download-window.js';
import { systemClock } from '../../daemon/cache/ports.js';
import { UpstreamAllowList } from '../../daemon/cache/url-policy.js';
import { FakeUpstream } from './cache-upstream.js';
import { memoryLogger } from './log.js';

export const ORIGIN = 'http://mirror.test/debian/';

export const cacheHarness = async (
  t: TestContext,
  over: Partial<CacheServiceOptions> = {},
): Promise<{ cache: CacheService; upstream: FakeUpstream; root: string }> => {
  const own = over.root === undefined;
  const root = over.root ?? (await mkdtemp(join(tmpdir(), 'pd-cache-')));
  const upstream = (over.upstream as FakeUpstream | undefined) ?? new FakeUpstream();
  const cache = new CacheService({
    root,
    upstream,
    clock: systemClock,
    log: memoryLogger(),
    allow: new UpstreamAllowList([ORIGIN]),
    windows: new DownloadWindows([]),
    strictWindows: false,
    quotaBytes: 1 << 30,
    minFreeBytes: 0,
    rateBytesPerSec: 0,
    mutableMaxAgeMs: 60_000,
    retries: 4,
    retryBaseMs: 1,
    limits: { abandonGraceMs: 1000, minRateBytes: 0, rateWindowMs: 60_000, maxDurationMs: 600_000 },
    maxIndexBytes: 64 * 1024 * 1024,
    indexDebounceMs: 5,
    ...over,
  });
  await cache.start();
  // Stop before removing the directory: stopping flushes the index into it.
  t.after(async () => {
    await cache.stop();
    if (own) await rm(root, { recursive: true, force: true });
  });
  return { cache, upstream, root };
};

/** Read everything a resolved request would send (whole file). */
export const readAll = async (cache: CacheService, url: string): Promise<Buffer> => {
  const r = await cache.resolve(url);
  if (r.kind === 'hit') {
    try {
      const { buffer } = { buffer: Buffer.alloc(r.entry.size) };
      await r.handle.read(buffer, 0, r.entry.size, 0);
      return buffer;
    } finally {
      await r.release();
    }
  }
  const reader = r.download.attach(0, undefined);
  await r.release();
  if (!reader) throw new Error('download already closed');
  const parts: Buffer[] = [];
  for await (const c of reader.chunks) parts.push(c);
  return Buffer.concat(parts);
};
