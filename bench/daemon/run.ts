/**
 * bench/daemon (issue 15): the daemon holding a site of HOSTS machines. A data directory is seeded
 * as the daemon writes it (the host directory, one compressed inventory file per host of PER_HOST
 * real bookworm packages) and a tracker feed of CVES CVEs is served on loopback; then the daemon
 * is compiled and started as the appliance runs it (plain node, no tsx), and measured: start to
 * /healthz, start to the first full assessment, the seconds the daemon takes to settle after it
 * (and the slowest dashboard load meanwhile), each UI page's p50/p95 over ROUNDS requests, RSS
 * after the pages and after IDLE_S seconds idle, the peak RSS, and the inventories' size on disk.
 * The same run at each of BENCH_SCALE's smaller sites (default 500 and 1,000 hosts) gives the
 * scaling rows: idle RSS per site size, to show the cost grows linearly or better.
 * The site has BENCH_REPORT_MONTHS (12) months of remediation history behind it, as a year-old
 * appliance has: monthly rounds in which every host fixed 40 findings; and BENCH_DEPLOYMENTS (12)
 * finished monthly deployments to every host, with their steps' apt output. The newest one's page
 * (every host of it, read from its record on disk) is timed as its own row.
 * Goals: idle RSS < 150 MB, every page p95 < 50 ms, start to /healthz < 1.5 s, inventories < 100 MB.
 *   BENCH_HOSTS=5000 BENCH_PER_HOST=300 BENCH_CVES=20000 npm run bench daemon
 * The daemon gets the environment systemd/patch-depot.service gives it (Node flags, the compile
 * cache, which the first start of a run fills as an appliance's first boot does; BENCH_UNIT_ENV=0
 * leaves it out); the idle RSS is broken down into file pages (code), the JS heap V8 holds and
 * what of it is live, and external buffers, so a figure says what bounds it.
 * Profiling: BENCH_DAEMON_NODE_ARGS passes more node flags to the daemon (e.g. --cpu-prof, --trace-gc),
 * BENCH_DAEMON_ENV more environment ("K=V K2=V2", over the unit's), BENCH_KEEP_DATA=1 keeps the
 * seeded data directories (their paths are printed) to start a daemon on by hand,
 * BENCH_DAEMON_STDOUT=FILE keeps what it prints, BENCH_HEAP_SNAPSHOT=1 writes a heap snapshot of
 * the idle daemon into the working directory.
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
import { InventoryRecords } from '../../daemon/inventory/inventory-records.js';
import { setUpOverHttp } from '../../test/integration/web/http-session.js';
import { hostFactory, realPackages, trackerJson } from '../assess/generate.js';
import { freePort } from '../cache/peers.js';
import { percentile } from '../percentile.js';
import { unitEnvironment } from '../unit-env.js';
import { seedDeployments } from './deployment-history.js';
import { seedReportHistory } from './report-history.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 5000);
const PER_HOST = Number(process.env.BENCH_PER_HOST ?? 300);
const CVES = Number(process.env.BENCH_CVES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 10);
/** Months of remediation history the site has behind it (monthly rounds of 40 fixes per host). */
const REPORT_MONTHS = Number(process.env.BENCH_REPORT_MONTHS ?? 12);
/** Finished deployments to every host the site has behind it (monthly). */
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 12);
const SCALE = (process.env.BENCH_SCALE ?? '500,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0 && n < HOSTS);
const root = fileURLToPath(new URL('../../', import.meta.url));

const mib = (pid: number, key: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile') =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** CPU seconds (user + system) a process has used: comparable across runs on a loaded machine. */
const cpuS = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const load = () => readFileSync('/proc/loadavg', 'utf8').trim();

// --- the site: a tracker on loopback, seeded data directories ----------------------------------------
const pkgs = realPackages();
const tracker = trackerJson(pkgs, CVES);
const feedServer = createServer((req, res) => {
  if (req.url !== '/tracker.json') return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(tracker);
});
await new Promise<void>((r) => feedServer.listen(0, '127.0.0.1', r));
const feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/tracker.json`;
const make = hostFactory(pkgs, PER_HOST);

/** A data directory of `n` hosts as the daemon writes it; returns it with its inventories' size. */
const seed = async (n: number) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pd-bench-daemon-'));
  const t0 = performance.now();
  const hosts: HostRecord[] = [];
  await mkdir(join(dataDir, 'hosts'), { recursive: true });
  // As the inventory service writes them: ids into the site's package table, compressed.
  const inventories = new InventoryRecords(join(dataDir, 'inventory', 'hosts'));
  for (let i = 0; i < n; i++) {
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
    await inventories.put(id, { ...make(i), hostId: id });
  }
  // As a daemon leaves it after its first start: nothing of an older form left to migrate.
  await inventories.migrate();
  const history = await seedReportHistory(
    dataDir,
    hosts.map((h) => h.id),
    pkgs.map((p) => p.name),
    REPORT_MONTHS,
  );
  const deployments = await seedDeployments(
    dataDir,
    hosts.map((h) => h.id),
    DEPLOYMENTS,
  );
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
  const du = execFileSync('du', ['-sm', join(dataDir, 'inventory')], { encoding: 'utf8' });
  return {
    dataDir,
    port,
    seedS: (performance.now() - t0) / 1000,
    inventoryMB: Number(du.split('\t')[0]),
    ...history,
    deployments,
  };
};

// --- the daemon ---------------------------------------------------------------------------------------
// The appliance runs the built daemon: compile and bundle this tree (a stale dist/ would mislead) into a
// directory of its own under node_modules (so the compiled code finds the packages; never dist/,
// which a test may be rebuilding at the same moment).
const out = join(root, 'node_modules', '.cache', `pd-bench-daemon-${process.pid}`);
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', out], { cwd: root, stdio: 'inherit' });
cpSync(join(root, 'web/static'), join(out, 'web/static'), { recursive: true });
// As `npm run build` does: the entry and its feed worker bundled, one file each.
execFileSync(process.execPath, [join(root, 'scripts/bundle-daemon.mjs'), out], {
  cwd: root,
  stdio: 'inherit',
});
const unitEnv = unitEnvironment(join(out, 'var-cache'));
const nodeArgs = `${unitEnv.PATCH_DEPOT_NODE_FLAGS ?? ''} ${process.env.BENCH_DAEMON_NODE_ARGS ?? ''}`
  .split(' ')
  .filter(Boolean);
if (process.env.BENCH_HEAP_SNAPSHOT) nodeArgs.push('--heapsnapshot-signal=SIGUSR2');
const daemonOut = process.env.BENCH_DAEMON_STDOUT;
/** BENCH_DAEMON_ENV="K=V K2=V2": more environment for the daemon, over the unit's (an allocator to try). */
const extraEnv = Object.fromEntries(
  (process.env.BENCH_DAEMON_ENV ?? '')
    .split(' ')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

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
type PageRow = { 'p50 ms': string; 'p95 ms': string; status: number };

const startDaemon = async (dataDir: string, url: string) => {
  const started = performance.now();
  const daemon: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, join(out, 'daemon/main.js'), 'serve', '--data-dir', dataDir],
    {
      stdio: ['ignore', daemonOut ? openSync(daemonOut, 'a') : 'ignore', 'inherit'],
      env: {
        ...process.env,
        ...unitEnv,
        ...extraEnv,
        PATCH_DEPOT_LOG_LEVEL: process.env.BENCH_DAEMON_LOG_LEVEL ?? 'warn',
      },
    },
  );
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).status < 500) break;
    } catch {
      // not listening yet
    }
    if (daemon.exitCode !== null) throw new Error(`the daemon exited (${daemon.exitCode})`);
    await sleep(20);
  }
  return { daemon, started, healthzS: (performance.now() - started) / 1000 };
};

/**
 * What the idle RSS is made of: anonymous memory (the JS heap V8 has reserved, of which `heapUsed`
 * is live, plus malloc'd memory: buffers, zlib, ICU) and file pages (the node binary's code).
 * From /proc and the daemon's own /metrics (open on a site with no API token).
 */
const memoryOf = async (pid: number, url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const metric = (name: string) =>
    Number(new RegExp(`^patch_depot_${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) /
    2 ** 20;
  return {
    anon: mib(pid, 'RssAnon'),
    file: mib(pid, 'RssFile'),
    heapTotal: metric('nodejs_heap_size_total_bytes'),
    heapUsed: metric('nodejs_heap_size_used_bytes'),
    external: metric('nodejs_external_memory_bytes'),
  };
};

/** A page's p50 and p95 over ROUNDS loads; anything but 200 fails the run. */
const timePage = async (session: Awaited<ReturnType<typeof setUpOverHttp>>, page: string) => {
  const times: number[] = [];
  let status = 0;
  let bytes = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    const res = await session.get(page);
    bytes = (await res.arrayBuffer()).byteLength;
    times.push(performance.now() - t);
    status = res.status;
  }
  if (status !== 200) throw new Error(`${page} answered ${status}`);
  if (process.env.BENCH_PAGE_TIMES) console.log(`${page}: ${times.map((x) => x.toFixed(0)).join(' ')} ms`);
  return { p50: percentile(times, 50), p95: percentile(times, 95), status, bytes };
};

/**
 * The work an assessment leaves behind once its figures are shown (the remediation ledger takes it
 * in, the report tables are built ahead for the next visitor: a few seconds of CPU at 5,000 hosts)
 * is not the daemon at rest: the pages are timed once the daemon has used under 10% of a core for a
 * second (BENCH_SETTLE_CPU). Meanwhile the dashboard is loaded every 250 ms, and the slowest of those
 * loads and the time to settle are figures of their own: what a technician clicking right after a
 * collection sees.
 */
const settle = async (pid: number, session: Awaited<ReturnType<typeof setUpOverHttp>>) => {
  const t0 = performance.now();
  let slowestMs = 0;
  let loads = 0;
  for (;;) {
    const c0 = cpuS(pid);
    const w0 = performance.now();
    while (performance.now() - w0 < 1000) {
      const t = performance.now();
      await (await session.get('/')).arrayBuffer();
      slowestMs = Math.max(slowestMs, performance.now() - t);
      loads++;
      await sleep(250);
    }
    const share = (cpuS(pid) - c0) / ((performance.now() - w0) / 1000);
    if (share < Number(process.env.BENCH_SETTLE_CPU ?? 0.1) || performance.now() - t0 > 60_000) break;
  }
  return { s: (performance.now() - t0) / 1000, slowestMs, loads };
};

/** Start the daemon on a seeded site, wait for its assessment, time every page, then let it idle. */
const measure = async (n: number) => {
  const site = await seed(n);
  const url = `http://127.0.0.1:${site.port}`;
  const { daemon, started, healthzS } = await startDaemon(site.dataDir, url);
  const session = await setUpOverHttp(url, 'bench passphrase 1', site.dataDir);
  // "N hosts assessed against 0 feeds" comes before the sync; then the assessment of the synced
  // catalog runs, and while it does the Patches page waits for it at most 2 s before it shows the
  // last result with an "Assessing…" notice. The longest such wait is its own figure, not a page's
  // p95; the pages are timed once the current catalog's figures are shown and the work the
  // assessment left has run (settle, above).
  let firstPageMs = 0;
  for (;;) {
    const t = performance.now();
    const text = await (await session.get('/patches')).text();
    const synced = /hosts? assessed against [1-9]/.test(text);
    if (synced) firstPageMs = Math.max(firstPageMs, performance.now() - t);
    if (synced && !text.includes('Assessing…')) break;
    await sleep(250);
  }
  const assessedS = (performance.now() - started) / 1000;
  const settling = await settle(daemon.pid!, session);
  if (process.env.BENCH_SETTLE_MS) await sleep(Number(process.env.BENCH_SETTLE_MS));
  const pages: Record<string, PageRow> = {};
  let worstP95 = 0;
  for (const page of PAGES) {
    const row = await timePage(session, page);
    worstP95 = Math.max(worstP95, row.p95);
    pages[page] = { 'p50 ms': row.p50.toFixed(1), 'p95 ms': row.p95.toFixed(1), status: row.status };
  }
  const deploymentPage = site.deployments.newest
    ? await timePage(session, `/deployments/${site.deployments.newest}`)
    : undefined;
  const afterPages = mib(daemon.pid!, 'VmRSS');
  await sleep(IDLE_S * 1000);
  const idle = mib(daemon.pid!, 'VmRSS');
  const idleMemory = await memoryOf(daemon.pid!, url);
  const peak = mib(daemon.pid!, 'VmHWM');
  const daemonCpuS = cpuS(daemon.pid!);
  if (process.env.BENCH_HEAP_SNAPSHOT && n === HOSTS) {
    daemon.kill('SIGUSR2');
    await sleep(15_000);
  }
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  if (process.env.BENCH_KEEP_DATA) console.log(`kept the ${n}-host data directory: ${site.dataDir}`);
  else await rm(site.dataDir, { recursive: true, force: true });
  const rssMiB = { afterPages, idle, peak, ...idleMemory };
  return {
    hosts: n,
    ...site,
    healthzS,
    assessedS,
    firstPageMs,
    settling,
    pages,
    worstP95,
    deploymentPage,
    rssMiB,
    daemonCpuS,
    load: load(),
  };
};

const scaled = [];
for (const n of SCALE) scaled.push(await measure(n));
const main = await measure(HOSTS);
feedServer.close();
await rm(out, { recursive: true, force: true });

const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
console.log(
  `\nDaemon with ${HOSTS} hosts x ${PER_HOST} packages, tracker of ${CVES} CVEs (${(tracker.length / 1e6).toFixed(1)} MB); seeded in ${main.seedS.toFixed(1)} s; ${REPORT_MONTHS} months of remediation history (${main.fixed.toLocaleString('en')} fixed findings, ${main.fixedFilesMB.toFixed(1)} MB of batch files); ${DEPLOYMENTS} finished deployments to every host (${main.deployments.recordsMB.toFixed(0)} MB of records); node flags: ${nodeArgs.join(' ') || 'none'}; unit environment: ${Object.keys(unitEnv).join(', ') || 'none'}${Object.keys(extraEnv).length ? `; more: ${process.env.BENCH_DAEMON_ENV}` : ''}; load ${main.load}`,
);
console.table(main.pages);
const { healthzS, assessedS, worstP95, rssMiB, inventoryMB } = main;
console.table({
  'start to /healthz': { value: `${healthzS.toFixed(2)} s`, goal: '< 1.5 s', '': goal(healthzS < 1.5) },
  'start to assessed (feed synced)': { value: `${assessedS.toFixed(1)} s`, goal: '', '': '' },
  'longest Patches load while reassessing': { value: `${main.firstPageMs.toFixed(0)} ms`, goal: '', '': '' },
  'settling after the assessment (CPU < 10%)': {
    value: `${main.settling.s.toFixed(1)} s; slowest of ${main.settling.loads} dashboard loads ${main.settling.slowestMs.toFixed(0)} ms`,
    goal: '',
    '': '',
  },
  'worst page p95': { value: `${worstP95.toFixed(1)} ms`, goal: '< 50 ms', '': goal(worstP95 < 50) },
  ...(main.deploymentPage
    ? {
        [`a finished deployment's page (${HOSTS} hosts, ${Math.round(main.deploymentPage.bytes / 1e3)} KB of HTML) p50 / p95`]:
          {
            value: `${main.deploymentPage.p50.toFixed(0)} / ${main.deploymentPage.p95.toFixed(0)} ms`,
            goal: '',
            '': '',
          },
      }
    : {}),
  'RSS after the pages': { value: `${rssMiB.afterPages.toFixed(0)} MiB`, goal: '', '': '' },
  [`RSS idle (${IDLE_S} s later)`]: {
    value: `${rssMiB.idle.toFixed(0)} MiB`,
    goal: '< 150 MB',
    '': goal(rssMiB.idle * 1.048576 < 150),
  },
  '  of which file pages (code)': { value: `${rssMiB.file.toFixed(0)} MiB`, goal: '', '': '' },
  '  JS heap reserved / live': {
    value: `${rssMiB.heapTotal.toFixed(0)} / ${rssMiB.heapUsed.toFixed(0)} MiB`,
    goal: '',
    '': '',
  },
  '  external (buffers)': { value: `${rssMiB.external.toFixed(0)} MiB`, goal: '', '': '' },
  'peak RSS': { value: `${rssMiB.peak.toFixed(0)} MiB`, goal: '', '': '' },
  'daemon CPU (start to idle)': { value: `${main.daemonCpuS.toFixed(1)} s`, goal: '', '': '' },
  'inventories on disk': { value: `${inventoryMB} MB`, goal: '< 100 MB', '': goal(inventoryMB < 100) },
});
if (scaled.length) {
  // Linear or better: the idle RSS per host added never grows with the site.
  const all = [...scaled, main];
  const base = all[0]!;
  console.log('Scaling: idle RSS by site size (the same run at each size)');
  console.table(
    Object.fromEntries(
      all.map((r) => [
        `${r.hosts} hosts`,
        {
          'idle RSS MiB': r.rssMiB.idle.toFixed(0),
          'peak RSS MiB': r.rssMiB.peak.toFixed(0),
          'KiB per host added':
            r === base
              ? ''
              : (((r.rssMiB.idle - base.rssMiB.idle) * 1024) / (r.hosts - base.hosts)).toFixed(1),
          'idle RSS / smallest': (r.rssMiB.idle / base.rssMiB.idle).toFixed(2),
          'hosts / smallest': (r.hosts / base.hosts).toFixed(1),
          'worst p95 ms': r.worstP95.toFixed(1),
          load: r.load.split(' ').slice(0, 3).join(' '),
        },
      ]),
    ),
  );
}
const row = (r: typeof main) => ({
  hosts: r.hosts,
  daemonCpuS: r.daemonCpuS,
  healthzS: r.healthzS,
  assessedS: r.assessedS,
  rssMiB: r.rssMiB,
  worstP95: r.worstP95,
  inventoryMB: r.inventoryMB,
  deploymentPage: r.deploymentPage,
  load: r.load,
});
console.log(
  `BENCH ${JSON.stringify({ bench: 'daemon', nodeFlags: nodeArgs.join(' '), hosts: HOSTS, perHost: PER_HOST, cves: CVES, healthzS, assessedS, pages: main.pages, rssMiB, inventoryMB, load: main.load, scaling: [...scaled, main].map(row) })}`,
);
process.exit(0);
