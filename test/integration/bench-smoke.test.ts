/**
 * `npm run bench console`, `daemon` and `assess` in miniature: each runs end to end against a
 * small site and prints its BENCH line with every figure present. Times are not asserted; speed
 * lives in bench/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

const bench = async (name: string, env: Record<string, string>) => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `bench/${name}/run.ts`], {
    cwd: repo,
    env: { ...process.env, ...env },
    maxBuffer: 16 << 20,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
  assert.ok(line, `no BENCH line in:\n${stdout}`);
  return JSON.parse(line.slice('BENCH '.length)) as Record<string, never>;
};

test('bench console: consoles poll with ETags (mostly 304), nginx alongside, full vs incremental pull', {
  skip: process.getuid?.() === 0 ? false : 'nginx runs as root here',
  timeout: 180_000,
}, async () => {
  const b = await bench('console', { BENCH_HOSTS: '60', BENCH_CLIENTS: '4', BENCH_SECONDS: '1' });
  const ours = b.ours as unknown as { rps: number; statuses: Record<string, number> };
  assert.ok(ours.rps > 0);
  assert.equal(ours.statuses['200'], 4, 'each client got the summary once');
  assert.ok((ours.statuses['304'] ?? 0) > 0, 'then 304s');
  const full = b.full as unknown as { items: number };
  const incremental = b.incremental as unknown as { items: number };
  assert.equal(full.items, 60);
  assert.equal(incremental.items, 10);
});

test('bench daemon: a seeded site, the compiled daemon, every page answered', {
  timeout: 300_000,
}, async () => {
  const b = await bench('daemon', {
    BENCH_HOSTS: '40',
    BENCH_PER_HOST: '40',
    BENCH_CVES: '500',
    BENCH_ROUNDS: '1',
    BENCH_IDLE_S: '0',
  });
  const rss = b.rssMiB as unknown as { idle: number; peak: number };
  assert.ok(rss.idle > 0 && rss.peak >= rss.idle);
  assert.ok((b.healthzS as unknown as number) > 0);
  assert.equal(Object.keys(b.pages as unknown as object).length, 10);
  const page = (b.scaling as unknown as Array<{ deploymentPage?: { status: number; bytes: number } }>).at(
    -1,
  )?.deploymentPage;
  assert.equal(page?.status, 200, "the newest seeded deployment's page");
  assert.ok((page?.bytes ?? 0) > 0);
});

test('bench assess: dpkg agreement, then parse, index, restart and assessment with Node defaults and the unit flags', {
  timeout: 300_000,
}, async () => {
  const b = await bench('assess', {
    BENCH_HOSTS: '60',
    BENCH_PACKAGES: '60',
    BENCH_CVES: '500',
    BENCH_DPKG_PAIRS: '20',
  });
  const a = b.assessment as unknown as {
    runs: { hosts: number }[];
    peakRssMB: number;
    floorPerHostUs: number;
    appliance?: { runs: { hosts: number }[]; peakRssMB: number };
  };
  assert.equal(a.runs.at(-1)?.hosts, 60);
  assert.ok(Number.isFinite(a.floorPerHostUs), 'the floor row is measured');
  assert.ok(a.peakRssMB > 0);
  assert.equal(a.appliance?.runs.at(-1)?.hosts, 60, 'the run as the unit runs the daemon');
  assert.ok(a.appliance.peakRssMB > 0);
});
