/**
 * The real cache stack for integration tests: a loopback origin, the cache service over the real
 * undici upstream and blob store in a temp dir, and the proxy port, all torn down after the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ClientAllowList } from '../../daemon/address-list.js';
import { CacheService, type CacheServiceOptions } from '../../daemon/cache/cache-service.js';
import { DownloadWindows } from '../../daemon/cache/download-window.js';
import { systemClock } from '../../daemon/cache/ports.js';
import { ProxyServer } from '../../daemon/cache/proxy-server.js';
import { UndiciUpstream } from '../../daemon/cache/undici-upstream.js';
import { UpstreamAllowList } from '../../daemon/cache/url-policy.js';
import { type MemoryLogger, memoryLogger } from '../fakes/log.js';
import { Origin } from './cache-origin.js';

export interface Stack {
  origin: Origin;
  cache: CacheService;
  proxy: ProxyServer;
  proxyUrl: string;
  root: string;
  log: MemoryLogger;
}

export const cacheStack = async (
  t: TestContext,
  over: Partial<CacheServiceOptions> & { parent?: string; idleTimeoutMs?: number; origin?: Origin } = {},
): Promise<Stack> => {
  const origin = over.origin ?? new Origin();
  if (!over.origin) await origin.start();
  const root = over.root ?? (await mkdtemp(join(tmpdir(), 'pd-cache-it-')));
  const allow = over.allow ?? new UpstreamAllowList([`${origin.base}/`]);
  const upstream = new UndiciUpstream({
    connectTimeoutMs: 2000,
    headersTimeoutMs: 5000,
    idleTimeoutMs: over.idleTimeoutMs ?? 5000,
    parent: over.parent,
    userAgent: 'patch-depot-test',
    allow,
  });
  const log = memoryLogger();
  const cache = new CacheService({
    root,
    upstream,
    clock: systemClock,
    log,
    allow,
    windows: new DownloadWindows([]),
    strictWindows: false,
    quotaBytes: 1 << 30,
    minFreeBytes: 0,
    rateBytesPerSec: 0,
    mutableMaxAgeMs: 60_000,
    retries: 4,
    retryBaseMs: 10,
    limits: { abandonGraceMs: 2000, minRateBytes: 0, rateWindowMs: 60_000, maxDurationMs: 600_000 },
    maxIndexBytes: 64 * 1024 * 1024,
    indexDebounceMs: 5,
    ...over,
  });
  await cache.start();
  const proxy = new ProxyServer({ host: '127.0.0.1', port: 0, cache, clients: new ClientAllowList([]), log });
  await proxy.start();
  t.after(async () => {
    await proxy.stop();
    await cache.stop();
    await upstream.close();
    if (!over.origin) await origin.stop();
    if (!over.root) await rm(root, { recursive: true, force: true });
  });
  return { origin, cache, proxy, proxyUrl: `http://127.0.0.1:${proxy.address!.port}`, root, log };
};

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The connection was cut before the announced body was complete. */
  truncated: boolean;
}

/** A request through the proxy port in absolute form, as apt sends it. */
export const viaProxy = (
  proxyUrl: string,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; onData?: (received: number) => void } = {},
): Promise<ProxiedResponse> =>
  new Promise((resolve, reject) => {
    const p = new URL(proxyUrl);
    const req = httpRequest(
      {
        host: p.hostname,
        port: p.port,
        method: opts.method ?? 'GET',
        path: url,
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        let received = 0;
        res.on('data', (c: Buffer) => {
          parts.push(c);
          received += c.length;
          opts.onData?.(received);
        });
        const done = (truncated: boolean) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
            truncated,
          });
        res.on('end', () => done(!res.complete));
        res.on('error', () => done(true));
        res.on('aborted', () => done(true));
      },
    );
    req.on('error', reject);
    req.end();
  });
