/**
 * bench/assess: (1) dpkg version comparison, ours vs `dpkg --compare-versions` (agreement and
 * throughput; dpkg takes one pair per process, so it is driven by parallel shell loops, the way a
 * script would batch it); (2) a full assessment: 5,000 hosts x 1,500 packages from real Debian
 * package lists against a tracker JSON the size of the real Debian tracker, with parse, index and
 * assessment times and peak RSS; a naive per-host scan of the catalog on a few hosts for contrast.
 *   BENCH_HOSTS=5000 BENCH_PACKAGES=1500 BENCH_CVES=120000 BENCH_DPKG_PAIRS=4000 npm run bench assess
 */
import { AssessMemo, assessHost, siteCompliance } from '../../daemon/assess/assess.js';
import { CatalogIndex } from '../../daemon/catalog/catalog-index.js';
import { parseDebianTracker } from '../../daemon/catalog/feeds/debian-tracker.js';
import { releaseKeyFor } from '../../daemon/catalog/release-key.js';
import { compareDpkg } from '../../daemon/catalog/versions/dpkg-version.js';
import type { HostInventory } from '../../daemon/inventory/types.js';
import { dpkgCompareMany, hasCommand } from '../../test/integration/catalog/version-oracles.js';
import { dpkgPairs, realDebianVersions } from '../../test/unit/catalog/version-gen.js';
import { hostFactory, realPackages, trackerJson } from './generate.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 5000);
const PER_HOST = Number(process.env.BENCH_PACKAGES ?? 1500);
const CVES = Number(process.env.BENCH_CVES ?? 120_000);
const DPKG_PAIRS = Number(process.env.BENCH_DPKG_PAIRS ?? 4000);
const NAIVE_HOSTS = 20;

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;
const rssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

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

// --- 2. full assessment ---------------------------------------------------------------------
const pkgs = realPackages();
const rssBase = rssMB();
const tg = performance.now();
const json = trackerJson(pkgs, CVES);
const makeHost = hostFactory(pkgs, PER_HOST);
const genMs = ms(tg);

const tp = performance.now();
const content = parseDebianTracker(json);
const parseMs = ms(tp);
const ti = performance.now();
const index = new CatalogIndex(1);
index.add('debian', content.advisories);
const indexMs = ms(ti);

// Hosts are made and assessed one at a time, as the daemon reads one inventory file at a time:
// the peak RSS is the catalog, the index and the results, not 5,000 package lists at once.
const memo = new AssessMemo(1);
const results: ReturnType<typeof assessHost>[] = [];
let assessRaw = 0;
let hostGenRaw = 0;
for (let i = 0; i < HOSTS; i++) {
  const t0 = performance.now();
  const inv = makeHost(i);
  const t1 = performance.now();
  results.push(assessHost(inv, index, memo));
  assessRaw += performance.now() - t1;
  hostGenRaw += t1 - t0;
}
const assessMs = Math.round(assessRaw * 10) / 10;
const site = siteCompliance(results);

// Naive contrast: walk every fix of the release for each host (no index over installed versions).
const naive = (inv: HostInventory): number => {
  const rel = index.releases.get(releaseKeyFor(inv.os));
  const bySource = new Map(inv.packages.map((p) => [p.source ?? p.name, p.sourceVersion ?? p.version]));
  let missing = 0;
  for (const [pkg, refs] of rel?.source ?? []) {
    for (const ref of refs) {
      const installed = bySource.get(pkg);
      if (
        installed !== undefined &&
        ref.fix.fixedVersion !== undefined &&
        compareDpkg(installed, ref.fix.fixedVersion) < 0
      )
        missing++;
    }
  }
  return missing;
};
const naiveHosts = Array.from({ length: NAIVE_HOSTS }, (_, i) => makeHost(i));
const tn = performance.now();
for (const h of naiveHosts) sink += naive(h);
const naivePerHostMs = (performance.now() - tn) / NAIVE_HOSTS;

console.log(
  `\nAssessment: ${HOSTS} hosts x ${PER_HOST} packages vs tracker of ${content.advisories.length} CVEs (${(json.length / 1e6).toFixed(1)} MB JSON, ${index.size.fixes} fixes)`,
);
console.table({
  'generate tracker JSON': { ms: genMs },
  [`generate ${HOSTS} host inventories (not assessment)`]: { ms: Math.round(hostGenRaw) },
  'parse + validate tracker JSON': { ms: parseMs },
  'build index': { ms: indexMs },
  [`assess ${HOSTS} hosts (indexed, memoised)`]: { ms: assessMs },
  [`naive catalog scan, extrapolated to ${HOSTS} hosts`]: { ms: Math.round(naivePerHostMs * HOSTS) },
});
console.log(
  `missing fixes: ${site.missingFixes}; compliant hosts ${site.compliant}/${site.assessed}; memo entries ${memo.size}; peak RSS ${rssMB()} MB (before inputs ${rssBase} MB)`,
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
    trackerCves: content.advisories.length,
    trackerMB: +(json.length / 1e6).toFixed(1),
    fixes: index.size.fixes,
    parseMs,
    indexMs,
    assessMs,
    naiveExtrapolatedMs: Math.round(naivePerHostMs * HOSTS),
    missingFixes: site.missingFixes,
    compliantHosts: site.compliant,
    peakRssMB: rssMB(),
  },
};
console.log(`BENCH ${JSON.stringify(result)}`);
if (sink === Number.MIN_SAFE_INTEGER) console.log('');
if (dpkg && dpkg.agreement < 1) {
  console.error(`disagreements with dpkg: ${dpkg.disagreements.join('; ')}`);
  process.exitCode = 1;
}
