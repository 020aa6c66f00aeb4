/**
 * The proxy port of the real daemon under 10,000 seeded hostile inputs over raw sockets: random
 * bytes, broken request lines, header floods, CONNECT, smuggling shapes, absolute-form URLs,
 * encoded slashes, resets and half-closed sockets. Throughout, /healthz and a normal download
 * answer; at the end the daemon is still running and the upstream never saw a path outside the
 * allowed prefix. Replay a run with the line it prints:
 * `FUZZ_SEED=<n> FUZZ_COUNT=<n> npx tsx --test <this file>`.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Origin } from '../../support/cache-origin.js';
import { viaProxy } from '../../support/cache-stack.js';
import { fuzzRun } from '../../support/fuzz-seed.js';
import { generateHttpInputs } from '../../support/http-fuzz.js';
import { fuzzSummary, runFuzzInputs } from '../../support/socket-runner.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

const HELLO = '/debian/pool/main/h/hello/hello_1_all.deb';

test('proxy port fuzz: seeded hostile inputs never take the daemon down', { timeout: 240_000 }, async (t) => {
  const run = fuzzRun(10_000);
  t.diagnostic(`replay with ${run.replay}`);
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
  onTeardown(t, () => daemon.stop());
  const port = Number(daemon.logs.find((l) => l.msg === 'cache proxy listening')?.port);
  const webPort = new URL(daemon.url).port;

  const probe = async (done: number) => {
    const health = await fetch(`${daemon.url}healthz`);
    if (health.status !== 200)
      throw new Error(`/healthz answered ${health.status} after ${done} inputs (${run.replay})`);
    const file = await viaProxy(`http://127.0.0.1:${port}`, `${origin.base}${HELLO}`);
    if (file.status !== 200 || !file.body.equals(hello))
      throw new Error(`a normal GET answered ${file.status} after ${done} inputs (${run.replay})`);
  };
  // Loopback only: a host the allow-list wrongly let through must still not leave this machine.
  const inputs = generateHttpInputs(run.seed, run.count, {
    hosts: [`127.0.0.1:${origin.port}`, `localhost:${origin.port}`],
    foreignHosts: [
      `127.0.0.2:${origin.port}`,
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
  const outcomes = await runFuzzInputs(inputs, {
    port,
    concurrency: 24,
    deadlineMs: 5_000,
    checkpoint: { every: 1_000, run: probe },
  });
  await probe(outcomes.length);
  t.diagnostic(fuzzSummary(outcomes));
  assert.equal(outcomes.length, run.count);
  const failures = outcomes.flatMap((o) => {
    if (o.error === 'ECONNREFUSED') return [`#${o.id} ${o.kind}: the proxy port refused the connection`];
    if (o.status === 500) return [`#${o.id} ${o.kind}: the proxy answered 500`];
    return [];
  });
  assert.deepEqual(failures.slice(0, 20), [], `replay with ${run.replay}`);
  assert.equal(daemon.proc.exitCode, null, 'the daemon is still running');
  const escaped = origin.requests
    .map((r) => r.path)
    .filter((p) => !p.startsWith('/debian/') || /%2f|%5c|%00|\/\.\.?(\/|$)|\\/i.test(p));
  assert.deepEqual(
    escaped,
    [],
    `the upstream only ever saw canonical paths under the allowed prefix (${run.replay})`,
  );
});
