/**
 * Our side of the benchmark in its own process (so its CPU time can be measured alone): the cache
 * service and proxy port on a temp dir, allowed to fetch from one loopback upstream. Prints `port N`.
 */

import { ClientAllowList } from '../../daemon/address-list.js';
import { CacheService } from '../../daemon/cache/cache-service.js';
import { DownloadWindows } from '../../daemon/cache/download-window.js';
import { systemClock } from '../../daemon/cache/ports.js';
import { ProxyServer } from '../../daemon/cache/proxy-server.js';
import { UndiciUpstream } from '../../daemon/cache/undici-upstream.js';
import { UpstreamAllowList } from '../../daemon/cache/url-policy.js';
import { createLogger } from '../../daemon/log.js';

const [root, allowed] = process.argv.slice(2) as [string, string];
const log = createLogger({ level: 'warn', format: 'json', sink: process.stderr });
const allow = new UpstreamAllowList([allowed]);
const upstream = new UndiciUpstream({
  connectTimeoutMs: 5000,
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  userAgent: 'patch-depot-bench',
  allow,
});
const cache = new CacheService({
  root,
  upstream,
  clock: systemClock,
  log,
  allow,
  windows: new DownloadWindows([]),
  strictWindows: false,
  quotaBytes: 8 * 2 ** 30,
  minFreeBytes: 0,
  rateBytesPerSec: 0,
  mutableMaxAgeMs: 300_000,
  retries: 3,
  retryBaseMs: 200,
  limits: { abandonGraceMs: 5000, minRateBytes: 16_384, rateWindowMs: 60_000, maxDurationMs: 3_600_000 },
  maxIndexBytes: 64 * 1024 * 1024,
});
await cache.start();
const proxy = new ProxyServer({ host: '127.0.0.1', port: 0, cache, clients: new ClientAllowList([]), log });
await proxy.start();
process.stdout.write(`port ${proxy.address!.port}\n`);
process.on('SIGTERM', () => {
  void proxy
    .stop()
    .then(() => cache.stop())
    .then(() => process.exit(0));
});
