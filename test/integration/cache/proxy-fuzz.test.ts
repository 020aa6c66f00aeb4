/**
 * The proxy port of the real daemon under 10,000 seeded hostile inputs over raw sockets: random
 * bytes, broken request lines, header floods, CONNECT, smuggling shapes, encoded slashes, resets
 * and half-closed sockets. Throughout, /healthz and a normal download answer; at the end the
 * daemon is still running and the upstream never saw a path outside the allowed prefix.
 * Replay a run with the printed seed: `FUZZ_SEED=<n> npx tsx --test <this file>` (FUZZ_COUNT=<n>
 * for a longer or shorter one).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Origin } from '../../fakes/cache-origin.js';
import { viaProxy } from '../../fakes/cache-stack.js';
import { fuzzSeed, generateHttpInputs, runFuzz } from '../../support/fuzz.js';
import { tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

const HELLO = '/debian/pool/main/h/hello/hello_1_all.deb';

test('proxy port fuzz: seeded hostile inputs never take the daemon down', { timeout: 240_000 }, async (t) => {
  const seed = fuzzSeed();
  const count = Number(process.env.FUZZ_COUNT ?? 10_000);
  t.diagnostic(`FUZZ_SEED=${seed} FUZZ_COUNT=${count}`);
  const origin = new Origin();
  await origin.start();
  t.after(() => origin.stop());
  const hello = Buffer.from('hello package bytes');
  origin.put(HELLO, { body: hello });
  origin.put('/debian/dists/stable/Release', { body: Buffer.from('Suite: stable\n') });
  origin.put('/debian/readme.html', {
    body: Buffer.from('<script>alert(1)</script>'),
    contentType: 'text/html',
  });
  origin.put('/private/secret', { body: Buffer.from('secret') });
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ cache: { upstreams: [`${origin.base}/debian/`] }, discovery: { schedule: false } }),
  );
  const daemon = await spawnDaemon(dir);
  t.after(() => daemon.stop());
  const port = Number(daemon.logs.find((l) => l.msg === 'cache proxy listening')?.port);
  const webPort = new URL(daemon.url).port;

  const probe = async () => {
    const health = await fetch(`${daemon.url}healthz`);
    if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
    const file = await viaProxy(`http://127.0.0.1:${port}`, `${origin.base}${HELLO}`);
    if (file.status !== 200 || !file.body.equals(hello))
      throw new Error(`a normal GET answered ${file.status}`);
  };
  // Loopback only: a host the allow-list wrongly let through must still not leave this machine.
  const inputs = generateHttpInputs(seed, count, {
    hosts: [
      `127.0.0.1:${origin.port}`,
      `127.0.0.2:${origin.port}`,
      `localhost:${origin.port}`,
      `[::1]:${origin.port}`,
      `127.0.0.1:${origin.port}@127.0.0.2`,
      `127.0.0.1:${port}`,
      `127.0.0.1:${webPort}`,
      '127.0.0.1:9',
    ],
    paths: [
      HELLO,
      '/debian/dists/stable/Release',
      '/debian/readme.html',
      '/debian/',
      '/private/secret',
      '/',
      '/healthz',
    ],
  });
  const report = await runFuzz(inputs, {
    port,
    concurrency: 24,
    probe,
    probeEvery: 1000,
    judge: (o) => {
      if (o.end === 'error' && o.error === 'ECONNREFUSED') return 'the proxy port refused the connection';
      if (o.status === 500) return 'the proxy answered 500';
      return undefined;
    },
  });
  const statuses: Record<string, number> = {};
  for (const tally of Object.values(report.outcomes))
    for (const [key, n] of Object.entries(tally)) {
      const status = key.split(' ').pop()!;
      statuses[status] = (statuses[status] ?? 0) + n;
    }
  t.diagnostic(`answers by status: ${JSON.stringify(statuses)}`);
  if (report.failures.length) t.diagnostic(`outcomes: ${JSON.stringify(report.outcomes)}`);
  assert.equal(report.count, count);
  assert.deepEqual(report.failures.slice(0, 20), [], `replay with FUZZ_SEED=${seed}`);
  assert.equal(daemon.proc.exitCode, null, 'the daemon is still running');
  const escaped = origin.requests
    .map((r) => r.path)
    .filter((p) => !p.startsWith('/debian/') || /%2f|%5c|%00|\/\.\.?(\/|$)|\\/i.test(p));
  assert.deepEqual(escaped, [], 'the upstream only ever saw canonical paths under the allowed prefix');
});
