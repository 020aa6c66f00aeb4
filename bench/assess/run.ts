/**
 * bench/assess: (1) dpkg version comparison, ours vs `dpkg --compare-versions` (agreement and
 * throughput; dpkg takes one pair per process, so it is driven by parallel shell loops, the way a
 * script would batch it); (2) a full assessment: 5,000 hosts x 1,500 packages from real Debian
 * package lists against a tracker JSON the size of the real Debian tracker, run in a process of its
 * own (assessment.ts) so its peak RSS is the whole run's, inputs included: parse, index, saved
 * index round trip (a restart), assessment of 500, 1,000 and 5,000 hosts (wall and CPU time, with
 * the load average, as the machine is shared), and a naive per-host catalog scan for contrast.
 * Each row with a goal (issue 15) says whether it is met.
 *   BENCH_HOSTS=5000 BENCH_PACKAGES=1500 BENCH_CVES=120000 BENCH_DPKG_PAIRS=4000 npm run bench assess
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareDpkg } from '../../daemon/catalog/versions/dpkg-version.js';
import { dpkgCompareMany, hasCommand } from '../../test/integration/catalog/version-oracles.js';
import { dpkgPairs, realDebianVersions } from '../../test/unit/catalog/version-gen.js';
import { unitEnvironment, unitNodeFlags } from '../unit-env.js';
import { realPackages, trackerJson } from './generate.js';
import type { AssessmentRun } from './result.js';

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const HOSTS = Number(process.env.BENCH_HOSTS ?? 5000);
const PER_HOST = Number(process.env.BENCH_PACKAGES ?? 1500);
const CVES = Number(process.env.BENCH_CVES ?? 120_000);
const DPKG_PAIRS = Number(process.env.BENCH_DPKG_PAIRS ?? 4000);

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;

// --- 1. version comparison ------------------------------------------------------------------
const pairs = dpkgPairs(99, DPKG_PAIRS, realDebianVersions());
const many = dpkgPairs(100, 200_000, realDebianVersions());
let sink = 0;
const t1 = performance.now();
for (const [a, b] of many) sink += sign(compareDpkg(a, b));
const oursMs = performance.now() - t1;
const oursPerSec = Math.round(many.length / (oursMs / 1000));

let dpkg: { perSec: number; agreement: number; disagreements: string[] } | undefined;
if (await hasCommand('dpkg', ['--version'])) {
  const t2 = performance.now();
  const theirs = await dpkgCompareMany(pairs);
  const dpkgMs = performance.now() - t2;
  const bad = pairs.filter(([a, b], i) => sign(compareDpkg(a, b)) !== theirs[i]);
  dpkg = {
    perSec: Math.round(pairs.length / (dpkgMs / 1000)),
    agreement: (pairs.length - bad.length) / pairs.length,
    disagreements: bad.slice(0, 5).map(([a, b]) => `${a} vs ${b}`),
  };
}
console.log('\nVersion comparison (dpkg rules)');
console.table({
  'patch-depot compareDpkg': { pairs: many.length, 'pairs/s': oursPerSec },
  ...(dpkg
    ? { 'dpkg --compare-versions (8 parallel loops)': { pairs: pairs.length, 'pairs/s': dpkg.perSec } }
    : {}),
});
if (dpkg)
  console.log(
    `agreement with dpkg: ${(dpkg.agreement * 100).toFixed(2)} % of ${pairs.length} pairs; speed ratio ${Math.round(oursPerSec / dpkg.perSec)}x`,
  );

// --- 2. full assessment, in a process of its own (assessment.ts) ---------------------------
const fleets = [...new Set([500, 1000, HOSTS].filter((n) => n <= HOSTS))].sort((x, y) => x - y);
const dir = mkdtempSync(join(tmpdir(), 'pd-bench-assess-'));
const trackerFile = join(dir, 'tracker.json');
const tg = performance.now();
const trackerMB = (() => {
  const json = trackerJson(realPackages(), CVES);
  writeFileSync(trackerFile, json);
  return +(json.length / 1e6).toFixed(1);
})();
const genMs = ms(tg);
// The fleet's inventories, stored as the daemon stores them, by a process of its own.
const hostsDir = join(dir, 'inventory', 'hosts');
const seeded = (() => {
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./seed-inventories.ts', import.meta.url)),
      hostsDir,
      String(HOSTS),
      String(PER_HOST),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = child.stdout.split('\n').find((l) => l.startsWith('SEEDED '));
  if (child.status !== 0 || !line) {
    console.error(`bench/assess: seeding the inventories failed (exit ${child.status})\n${child.stdout}`);
    process.exit(1);
  }
  return JSON.parse(line.slice('SEEDED '.length)) as {
    storeMs: number;
    storedMB: number;
    sitePackages: number;
  };
})();
/**
 * One measured run in a child process of its own: with Node's defaults, or with the Node flags
 * and environment the appliance's unit gives the daemon (bench/unit-env.ts), which trade CPU for
 * memory.
 */
const measure = (env: Record<string, string>): AssessmentRun => {
  const child = spawnSync(
    process.execPath,
    [
      ...unitNodeFlags(env),
      '--expose-gc',
      '--import',
      'tsx',
      fileURLToPath(new URL('./assessment.ts', import.meta.url)),
      trackerFile,
      fleets.join(','),
      String(PER_HOST),
      hostsDir,
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
      env: { ...process.env, ...env },
    },
  );
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) {
    console.error(`bench/assess: the assessment run failed (exit ${child.status})\n${child.stdout}`);
    process.exit(1);
  }
  return JSON.parse(line.slice('RESULT '.length)) as AssessmentRun;
};
const loadBefore = loadavg();
const run = measure({});
const unitEnv = unitEnvironment(join(dir, 'node-compile-cache'));
const appliance = Object.keys(unitEnv).length ? measure(unitEnv) : undefined;
const loadAfter = loadavg();
if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
const full = run.runs.at(-1)!;
const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');

console.log(
  `\nAssessment: ${HOSTS} hosts x ${PER_HOST} packages vs tracker of ${run.trackerCves} CVEs (${trackerMB} MB JSON, ${run.fixes} fixes; generated in ${genMs} ms); load average ${loadBefore} before, ${loadAfter} after`,
);
console.table({
  'parse + validate + pack tracker JSON': {
    wall: `${run.parseMs} ms`,
    cpu: `${run.parseCpuMs} ms`,
    goal: '< 1500 ms',
    '': goal(run.parseMs < 1500),
  },
  'build index from the packed feed': { wall: `${run.indexMs} ms`, cpu: '', goal: '', '': '' },
  'save index beside the snapshot': { wall: `${run.saveMs} ms`, cpu: '', goal: '', '': '' },
  'restart: load saved index, no re-parse': {
    wall: `${run.loadMs} ms`,
    cpu: `${run.loadCpuMs} ms`,
    goal: '< 300 ms',
    '': goal(run.loadMs < 300),
  },
  [`store ${HOSTS} inventories: ${seeded.storedMB} MB on disk (${seeded.sitePackages} distinct packages)`]: {
    wall: `${seeded.storeMs} ms`,
    cpu: '',
    goal: '< 100 MB',
    '': goal(seeded.storedMB < 100),
  },
  ...Object.fromEntries(
    run.runs.map((r) => [
      `read ${r.hosts} inventories from their records`,
      { wall: `${r.readMs} ms`, cpu: '', goal: '', '': '' },
    ]),
  ),
  ...Object.fromEntries(
    run.runs.map((r) => [
      `assess ${r.hosts} hosts (${r.usPerHost} us/host)`,
      {
        wall: `${r.assessMs} ms`,
        cpu: `${r.assessCpuMs} ms`,
        goal: r.hosts === 5000 ? '< 1000 ms' : '',
        '': r.hosts === 5000 ? goal(r.assessMs < 1000) : '',
      },
    ]),
  ),
  [`floor: a name lookup per package, ${HOSTS} hosts`]: {
    wall: `${Math.round((run.floorPerHostUs * HOSTS) / 1000)} ms`,
    cpu: '',
    goal: '',
    '': '',
  },
  [`naive catalog scan, extrapolated to ${HOSTS} hosts`]: {
    wall: `${Math.round(run.naivePerHostMs * HOSTS)} ms`,
    cpu: '',
    goal: '',
    '': '',
  },
  [`heap held by the ${full.hosts} results (and their memo)`]: {
    wall: run.heldHeapMB === undefined ? 'n/a' : `${run.heldHeapMB} MB`,
    cpu: '',
    goal: '',
    '': '',
  },
  'peak RSS, whole run, inputs included': {
    wall: `${run.peakRssMB} MB`,
    cpu: '',
    goal: '< 300 MB',
    '': goal(run.peakRssMB < 300),
  },
});
if (appliance) {
  const five = appliance.runs.at(-1)!;
  console.log(
    `\nThe same run as the appliance runs it (the unit's environment: ${Object.keys(unitEnv).join(', ')}; node flags: ${unitNodeFlags(unitEnv).join(' ')}):`,
  );
  console.table({
    'parse + validate + pack tracker JSON': {
      wall: `${appliance.parseMs} ms`,
      cpu: `${appliance.parseCpuMs} ms`,
      goal: '< 1500 ms',
      '': goal(appliance.parseMs < 1500),
    },
    'restart: load saved index': {
      wall: `${appliance.loadMs} ms`,
      cpu: `${appliance.loadCpuMs} ms`,
      goal: '< 300 ms',
      '': goal(appliance.loadMs < 300),
    },
    [`assess ${five.hosts} hosts`]: {
      wall: `${five.assessMs} ms`,
      cpu: `${five.assessCpuMs} ms`,
      goal: five.hosts === 5000 ? '< 1000 ms' : '',
      '': five.hosts === 5000 ? goal(five.assessMs < 1000) : '',
    },
    'peak RSS, whole run, inputs included': {
      wall: `${appliance.peakRssMB} MB`,
      cpu: '',
      goal: '< 300 MB',
      '': goal(appliance.peakRssMB < 300),
    },
  });
}
console.log(
  `missing fixes: ${full.missingFixes}; compliant hosts ${full.compliant}/${full.hosts}; memo entries ${full.memoEntries}; RSS after parse ${run.rssAfterParseMB} MB (process start ${run.rssStartMB} MB)`,
);

const result = {
  bench: 'assess',
  versionCompare: {
    oursPairsPerSec: oursPerSec,
    dpkgPairsPerSec: dpkg?.perSec,
    speedRatio: dpkg ? Math.round(oursPerSec / dpkg.perSec) : undefined,
    agreement: dpkg?.agreement,
    pairsCheckedAgainstDpkg: pairs.length,
  },
  assessment: {
    hosts: HOSTS,
    packagesPerHost: PER_HOST,
    trackerMB,
    stored: seeded,
    ...run,
    appliance,
    naiveExtrapolatedMs: Math.round(run.naivePerHostMs * HOSTS),
    load: { before: loadBefore, after: loadAfter },
  },
};
console.log(`BENCH ${JSON.stringify(result)}`);
if (sink === Number.MIN_SAFE_INTEGER) console.log('');
if (dpkg && dpkg.agreement < 1) {
  console.error(`disagreements with dpkg: ${dpkg.disagreements.join('; ')}`);
  process.exitCode = 1;
}
