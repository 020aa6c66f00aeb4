/**
 * bench/daemon (issue 15): the daemon holding a site of HOSTS machines. A data directory is seeded
 * as the daemon writes it (the host directory, one inventory file per host of PER_HOST real
 * bookworm packages) and a tracker feed of CVES CVEs is served on loopback; then the daemon is
 * compiled and started as the appliance runs it (plain node, no tsx), and measured: start to
 * /healthz, start to the first full assessment, each UI page's p50/p95 over ROUNDS requests, RSS
 * after the pages and after IDLE_S seconds idle, the peak RSS, and the inventories' size on disk.
 * Goals: idle RSS < 150 MB, every page p95 < 50 ms, start to /healthz < 1.5 s, inventories < 100 MB.
 *   BENCH_HOSTS=5000 BENCH_PER_HOST=300 BENCH_CVES=20000 npm run bench daemon
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostRecord } from '../../daemon/hosts/host-record.js';
import { gzipRecord } from '../../daemon/store/record-dir.js';
import { setUpOverHttp } from '../../test/integration/web/http-session.js';
import { hostFactory, realPackages, trackerJson } from '../assess/generate.js';
import { freePort } from '../cache/peers.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 5000);
const PER_HOST = Number(process.env.BENCH_PER_HOST ?? 300);
const CVES = Number(process.env.BENCH_CVES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 10);
const root = fileURLToPath(new URL('../../', import.meta.url));

const mib = (pid: number, key: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- the site: a tracker on loopback, a seeded data directory --------------------------------------
const pkgs = realPackages();
const tracker = trackerJson(pkgs, CVES);
const feedServer = createServer((req, res) => {
  if (req.url !== '/tracker.json') return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(tracker);
});
await new Promise<void>((r) => feedServer.listen(0, '127.0.0.1', r));
const feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/tracker.json`;

const dataDir = await mkdtemp(join(tmpdir(), 'pd-bench-daemon-'));
const t0 = performance.now();
const make = hostFactory(pkgs, PER_HOST);
const hosts: HostRecord[] = [];
await mkdir(join(dataDir, 'hosts'), { recursive: true });
await mkdir(join(dataDir, 'inventory', 'hosts'), { recursive: true });
for (let i = 0; i < HOSTS; i++) {
  const id = `h-${i.toString(16).padStart(10, '0')}`;
  const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  hosts.push({
    id,
    createdAt: '2026-11-01T00:00:00.000Z',
    mac: null,
    assetId: null,
    address,
    aliases: [],
    lastMove: null,
    events: [],
  });
  // As the inventory store writes them (compressed; see daemon/inventory/inventory-records.ts).
  await writeFile(
    join(dataDir, 'inventory', 'hosts', `${id}.json.gz`),
    await gzipRecord({ ...make(i), hostId: id }),
  );
}
await writeFile(join(dataDir, 'hosts', 'directory.json'), JSON.stringify({ version: 1, hosts }));
const port = await freePort();
await writeFile(
  join(dataDir, 'config.json'),
  JSON.stringify({
    http: { host: '127.0.0.1', port },
    cache: { enabled: false },
    mdns: { advertise: false },
    catalog: { feeds: [{ id: 'debian', kind: 'debian-tracker', url: feedUrl }] },
  }),
);
const seedS = (performance.now() - t0) / 1000;
const inventoryMB = Number(
  execFileSync('du', ['-sm', join(dataDir, 'inventory')], { encoding: 'utf8' }).split('\t')[0],
);

// --- the daemon ---------------------------------------------------------------------------------------
// The appliance runs the compiled daemon: compile this tree (a stale dist/ would mislead) into a
// directory of its own under node_modules (so the compiled code finds the packages; never dist/,
// which a test may be rebuilding at the same moment).
const out = join(root, 'node_modules', '.cache', `pd-bench-daemon-${process.pid}`);
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', out], { cwd: root, stdio: 'inherit' });
cpSync(join(root, 'web/static'), join(out, 'web/static'), { recursive: true });
// BENCH_DAEMON_NODE_ARGS passes node flags to the daemon (e.g. --heap-prof); BENCH_HEAP_SNAPSHOT=1 writes
// a heap snapshot of the idle daemon into the working directory (what holds the idle RSS).
const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
if (process.env.BENCH_HEAP_SNAPSHOT) nodeArgs.push('--heapsnapshot-signal=SIGUSR2');
const args = [...nodeArgs, join(out, 'daemon/main.js')];
const started = performance.now();
const daemon: ChildProcess = spawn(process.execPath, [...args, 'serve', '--data-dir', dataDir], {
  // BENCH_DAEMON_STDOUT=FILE keeps what the daemon prints (e.g. with --trace-gc) in FILE.
  stdio: [
    'ignore',
    process.env.BENCH_DAEMON_STDOUT ? openSync(process.env.BENCH_DAEMON_STDOUT, 'w') : 'ignore',
    'inherit',
  ],
  env: { ...process.env, PATCH_DEPOT_LOG_LEVEL: 'warn' },
});
const url = `http://127.0.0.1:${port}`;
for (;;) {
  try {
    if ((await fetch(`${url}/healthz`)).status < 500) break;
  } catch {
    // not listening yet
  }
  if (daemon.exitCode !== null) throw new Error(`the daemon exited (${daemon.exitCode})`);
  await sleep(20);
}
const healthzS = (performance.now() - started) / 1000;
const session = await setUpOverHttp(url, 'bench passphrase 1', dataDir);
for (;;) {
  const html = await (await session.get('/patches')).text();
  if (/hosts? assessed against/.test(html)) break;
  await sleep(250);
}
const assessedS = (performance.now() - started) / 1000;

const PAGES = [
  '/',
  '/assets',
  '/inventory',
  '/patches',
  '/patches?view=hosts',
  '/deployments',
  '/reports',
  '/reports/hosts',
  '/activity',
  '/settings',
];
const rows: Record<string, { 'p50 ms': string; 'p95 ms': string; status: number }> = {};
let worstP95 = 0;
for (const page of PAGES) {
  const times: number[] = [];
  let status = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    const res = await session.get(page);
    await res.arrayBuffer();
    times.push(performance.now() - t);
    status = res.status;
  }
  const p95 = pct(times, 95);
  worstP95 = Math.max(worstP95, p95);
  rows[page] = { 'p50 ms': pct(times, 50).toFixed(1), 'p95 ms': p95.toFixed(1), status };
  if (status !== 200) throw new Error(`${page} answered ${status}`);
}
const afterPages = mib(daemon.pid!, 'VmRSS');
await sleep(IDLE_S * 1000);
const idle = mib(daemon.pid!, 'VmRSS');
if (process.env.BENCH_HEAP_SNAPSHOT) {
  daemon.kill('SIGUSR2');
  await sleep(15_000);
}
const peak = mib(daemon.pid!, 'VmHWM');
daemon.kill('SIGTERM');
feedServer.close();
await rm(dataDir, { recursive: true, force: true });
await rm(out, { recursive: true, force: true });

const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
console.log(
  `\nDaemon with ${HOSTS} hosts x ${PER_HOST} packages, tracker of ${CVES} CVEs (${(tracker.length / 1e6).toFixed(1)} MB); seeded in ${seedS.toFixed(1)} s; load ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim()}`,
);
console.table(rows);
console.table({
  'start to /healthz': { value: `${healthzS.toFixed(2)} s`, goal: '< 1.5 s', '': goal(healthzS < 1.5) },
  'start to assessed (feed synced)': { value: `${assessedS.toFixed(1)} s`, goal: '', '': '' },
  'worst page p95': { value: `${worstP95.toFixed(1)} ms`, goal: '< 50 ms', '': goal(worstP95 < 50) },
  'RSS after the pages': { value: `${afterPages.toFixed(0)} MiB`, goal: '', '': '' },
  [`RSS idle (${IDLE_S} s later)`]: {
    value: `${idle.toFixed(0)} MiB`,
    goal: '< 150 MB',
    '': goal(idle * 1.048576 < 150),
  },
  'peak RSS': { value: `${peak.toFixed(0)} MiB`, goal: '', '': '' },
  'inventories on disk': { value: `${inventoryMB} MB`, goal: '< 100 MB', '': goal(inventoryMB < 100) },
});
console.log(
  `BENCH ${JSON.stringify({ bench: 'daemon', hosts: HOSTS, perHost: PER_HOST, cves: CVES, healthzS, assessedS, pages: rows, rssMiB: { afterPages, idle, peak }, inventoryMB })}`,
);
process.exit(0);
