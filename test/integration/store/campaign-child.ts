/**
 * Child process for the kill -9 campaign: what the daemon runs on one data dir, minus the UI. It
 * takes the data-dir lock, starts the state store and the cache module (service + proxy port, built
 * from the config as app.ts does), prints `port N`, then writes state as fast as it can, printing
 * `ack N` once each write is durable, while the test downloads through the proxy port.
 */
import { CacheModule } from '../../../daemon/cache/cache-module.js';
import { configSchema } from '../../../daemon/config.js';
import { createLogger } from '../../../daemon/log.js';
import { DataDirLock } from '../../../daemon/store/data-dir-lock.js';
import { StateStore } from '../../../daemon/store/state-store.js';
import { writeAndAck } from './ack-writes.js';

const [dataDir, upstream, startAt] = process.argv.slice(2) as [string, string, string];
await DataDirLock.acquire(dataDir, 'kill campaign child');
const config = configSchema.parse({
  dataDir,
  http: { host: '127.0.0.1' },
  store: { debounceMs: 2, maxDelayMs: 10 },
  cache: { upstreams: [upstream], retries: 0, minFreeMB: 0, proxy: { port: 0 } },
});
const log = createLogger({ level: 'error', format: 'json', sink: process.stderr });
const store = new StateStore({ dataDir, ...config.store, log });
await store.start();
const cache = new CacheModule(config, log, 'kill-campaign');
await cache.start();
process.stdout.write(`port ${cache.proxy!.address!.port}\n`);
await writeAndAck(store, Number(startAt));
