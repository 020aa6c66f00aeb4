/**
 * The kill -9 campaign, kept as a test: 30 rounds of the store and the cache on one data dir (a
 * child process built like the daemon), killed with SIGKILL at a seeded random moment while state
 * is written and downloads from a loopback upstream are in flight, then restarted. After every
 * kill: 0 corrupt blobs (every blob's sha256 matches its name) and 0 lost acknowledged writes; the
 * stale data-dir lock never blocks the restart. FUZZ_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CacheModule } from '../../../daemon/cache/cache-module.js';
import { configSchema } from '../../../daemon/config.js';
import { DataDirLock } from '../../../daemon/store/data-dir-lock.js';
import { StateStore } from '../../../daemon/store/state-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { runAndKill } from '../../kill-writer.js';
import { bundleScript } from '../../support/bundle-script.js';
import { Origin } from '../../support/cache-origin.js';
import { viaProxy } from '../../support/cache-stack.js';
import { fuzzSeed } from '../../support/fuzz-seed.js';
import { Rng } from '../../support/prng.js';
import { tempDir } from '../../temp-dir.js';
import { lostAcks, nextStart } from './ack-writes.js';

const child = fileURLToPath(new URL('./campaign-child.ts', import.meta.url));
const ROUNDS = 30;
const seed = fuzzSeed();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every blob under cache/blobs, re-hashed: the names of those whose bytes do not match. */
const corruptBlobs = async (dataDir: string): Promise<string[]> => {
  const root = join(dataDir, 'cache', 'blobs');
  const bad: string[] = [];
  for (const dir of await readdir(root).catch(() => [])) {
    for (const name of await readdir(join(root, dir))) {
      const bytes = await readFile(join(root, dir, name));
      if (!/^[0-9a-f]{64}$/.test(name) || sha(bytes) !== name || !name.startsWith(dir)) bad.push(name);
    }
  }
  return bad;
};

test(`${ROUNDS} rounds of kill -9 during state writes and downloads (FUZZ_SEED=${seed})`, {
  timeout: 240_000,
}, async (t) => {
  t.diagnostic(`replay with FUZZ_SEED=${seed}`);
  const rng = new Rng(seed);
  const origin = new Origin();
  await origin.start();
  t.after(() => origin.stop());
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 24; i++) {
    const path = `/debian/pool/main/k/kill${i}/kill${i}_1_all.deb`;
    const body = randomBytes(rng.between(20_000, 400_000));
    files.set(origin.put(path, { body, etag: `"k${i}"` }), body);
    // Half the downloads trickle, so the kill lands while some are still being written.
    if (rng.chance(0.5)) origin.trickle.set(path, rng.between(2, 15));
  }
  const urls = [...files.keys()];
  const dir = await tempDir(t);
  const script = await bundleScript(child, await tempDir(t));
  const acknowledged = new Set<number>();
  let next = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const downloads: Array<Promise<unknown>> = [];
    const startDownloads = (line: string) => {
      const port = /^port (\d+)$/.exec(line)?.[1];
      if (!port) return;
      for (let i = 0; i < 6; i++) {
        const url = rng.pick(urls);
        downloads.push(viaProxy(`http://127.0.0.1:${port}`, url).catch(() => undefined));
      }
    };
    // Mostly early (downloads still running), now and then later (some committed, some not).
    const killAfter = rng.chance(0.8) ? rng.between(3, 40) : rng.between(40, 150);
    const acks = await runAndKill(script, [dir, `${origin.base}/debian/`, String(next)], killAfter, {
      onLine: startDownloads,
      execArgv: [],
    });
    await Promise.all(downloads);
    for (const n of acks) acknowledged.add(n);
    next = nextStart(acks, next);

    const lock = await DataDirLock.acquire(dir, 'campaign check'); // the killed child's lock is stale
    const store = new StateStore({ dataDir: dir, debounceMs: 5, maxDelayMs: 50, log: memoryLogger() });
    await store.start(); // throws if the state file does not parse
    assert.deepEqual(
      lostAcks(store, acknowledged),
      [],
      `round ${round}: acknowledged writes lost (FUZZ_SEED=${seed})`,
    );
    await store.stop();
    assert.deepEqual(await corruptBlobs(dir), [], `round ${round}: corrupt blobs (FUZZ_SEED=${seed})`);
    await lock.release();
  }

  // A last restart of the cache: every index entry points at intact bytes of the right file.
  const config = configSchema.parse({
    dataDir: dir,
    cache: { upstreams: [`${origin.base}/debian/`], proxy: { enabled: false } },
  });
  const cache = new CacheModule(config, memoryLogger(), 'kill-campaign');
  await cache.start();
  t.after(() => cache.stop());
  const entries = cache.service.index.all();
  for (const e of entries) {
    const bytes = await readFile(cache.service.blobs.path(e.sha256));
    assert.equal(sha(bytes), sha(files.get(e.url)!), `${e.url} holds its own bytes`);
  }
  t.diagnostic(`${acknowledged.size} acknowledged writes, ${entries.length} cached files, all intact`);
  assert.ok(acknowledged.size >= ROUNDS * 3);
});
