/**
 * Run by start-up.test.ts in a process of its own: start the daemon on a fresh data directory (as
 * bench/daemon configures it, loopback only, no mDNS announcements), then print which of the
 * packages that only some work needs were loaded by the time it answered, and stop it.
 */
import { createRequire } from 'node:module';
import { DepotApp } from '../../../daemon/app.js';
import { configSchema } from '../../../daemon/config.js';
import { memoryLogger } from '../../fakes/log.js';

export const ON_DEMAND = ['ssh2'] as const;

const dataDir = process.argv[2];
if (dataDir) {
  const config = configSchema.parse({
    dataDir,
    http: { host: '127.0.0.1', port: 0 },
    cache: { enabled: false },
    mdns: { advertise: false },
  });
  const app = new DepotApp(config, memoryLogger());
  await app.start();
  const healthz = await fetch(`http://127.0.0.1:${app.http!.address!.port}/healthz`);
  const files = Object.keys(createRequire(import.meta.url).cache);
  const loaded = ON_DEMAND.filter((p) => files.some((f) => f.includes(`/node_modules/${p}/`)));
  await app.stop();
  console.log(JSON.stringify({ healthz: healthz.status, loaded }));
}
