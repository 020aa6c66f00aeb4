/**
 * The appliance for bench/healthz-during-sync, in its own process so the bench measures it from
 * outside: the whole DepotApp of the checkout at ROOT (this one, or an older one to compare),
 * with one tracker feed at FEED_URL and nothing else scheduled. Speaks JSON lines: prints
 * `{"url"}` once listening; on "sync" from stdin runs one catalog sync and prints its outcome, the
 * process's peak RSS (worker threads included) and the longest event-loop stalls with what the
 * sync was doing when each ended; on "stop" stops the app and exits.
 *   node --import tsx appliance.ts ROOT DATA_DIR FEED_URL
 */
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [root, dataDir, feedUrl] = process.argv.slice(2);
if (!root || !dataDir || !feedUrl) throw new Error('usage: appliance.ts ROOT DATA_DIR FEED_URL');
const from = (path: string) => import(pathToFileURL(`${root}/daemon/${path}`).href);
const { DepotApp } = (await from('app.ts')) as typeof import('../../daemon/app.js');
const { loadConfig } = (await from('config.ts')) as typeof import('../../daemon/config.js');
const { createLogger } = (await from('log.ts')) as typeof import('../../daemon/log.js');

const config = loadConfig({
  env: {},
  overrides: {
    dataDir,
    'http.host': '127.0.0.1',
    'http.port': 0,
    'cache.enabled': false,
    'inventory.intervalHours': 0,
    'discovery.schedule': false,
    'catalog.feeds': [{ id: 'debian', kind: 'debian-tracker', url: feedUrl }],
  },
});
const app = new DepotApp(config, createLogger({ level: 'warn', format: 'json', sink: process.stderr }));
await app.start();
const say = (m: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(m)}\n`);
say({ url: `http://127.0.0.1:${app.http?.address?.port}/` });

const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Event-loop stalls over 50 ms while `running`, each with the sync's progress message when it ended. */
const watchStalls = (running: () => boolean, doing: () => string | undefined) => {
  const stalls: { ms: number; during: string | undefined }[] = [];
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    if (now - last > 50) stalls.push({ ms: Math.round(now - last), during: doing() });
    last = now;
    if (running()) setTimeout(tick, 5);
  };
  tick();
  return stalls;
};
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'sync') {
    const catalog = app.catalog!;
    const rssBefore = rssMB();
    const t0 = performance.now();
    let running = true;
    const stalls = watchStalls(
      () => running,
      () => catalog.progress()?.message,
    );
    catalog.sync(['debian']);
    await catalog.idle();
    running = false;
    const [last] = await catalog.history();
    say({
      synced: last?.outcome,
      message: last?.message,
      syncMs: Math.round(performance.now() - t0),
      advisories: catalog.index().size.advisories,
      peakRssBeforeMB: rssBefore,
      peakRssMB: rssMB(),
      stalls: stalls.sort((a, b) => b.ms - a.ms).slice(0, 5),
    });
  } else if (line === 'stop') {
    await app.stop();
    process.exit(0);
  }
}
