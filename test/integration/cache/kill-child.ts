/**
 * Child process for the kill -9 test: runs the cache service and proxy port on a data dir and
 * prints `port N`; the test drives downloads through it and kills it at awkward moments.
 */

import { ClientAllowList } from '../../../daemon/address-list.js';
import { CacheService } from '../../../daemon/cache/cache-service.js';
import { DownloadWindows } from '../../../daemon/cache/download-window.js';
import { systemClock } from '../../../daemon/cache/ports.js';
import { ProxyServer } from '../../../daemon/cache/proxy-server.js';
import { UndiciUpstream } from '../../../daemon/cache/undici-upstream.js';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { createLogger } from '../../../daemon/log.js';

const [root, allowed] = process.argv.slice(2) as [string, string];
const log = createLogger({ level: 'error', format: 'json', sink: process.stderr });
const allow = new UpstreamAllowList([allowed]);
const cache = new CacheService({
  root,
  upstream: new UndiciUpstream({
    connectTimeoutMs: 2000,
    headersTimeoutMs: 5000,
    idleTimeoutMs: 30_000,
    userAgent: 't',
    allow,
  }),
  clock: systemClock,
  log,
  allow,
  windows: new DownloadWindows([]),
  strictWindows: false,
  quotaBytes: 1 << 30,
  minFreeBytes: 0,
  rateBytesPerSec: 0,
  mutableMaxAgeMs: 60_000,
  retries: 2,
  retryBaseMs: 10,
  limits: { abandonGraceMs: 5000, minRateBytes: 0, rateWindowMs: 60_000, maxDurationMs: 600_000 },
  maxIndexBytes: 64 * 1024 * 1024,
  indexDebounceMs: 20,
});
await cache.start();
const proxy = new ProxyServer({ host: '127.0.0.1', port: 0, cache, clients: new ClientAllowList([]), log });
await proxy.start();
process.stdout.write(`port ${proxy.address!.port}\n`);
