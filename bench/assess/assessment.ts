/**
 * The measured run of bench/assess, in a process of its own so that its peak RSS is this run's
 * alone, inputs included: it reads the tracker file as the daemon does, parses and indexes it,
 * saves the built index and loads it back (a restart), then assesses fleets of growing size, each
 * host read from its stored record one at a time, as the daemon reads them (the read timed apart).
 *   node --import tsx bench/assess/assessment.ts <tracker.json> <hosts,hosts,...> <packages per host>
 *     <hosts dir, seeded by seed-inventories.ts>
 * Prints one line: `RESULT {json}`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssessMemo, assessHost, siteCompliance } from '../../daemon/assess/assess.js';
import { CatalogIndex } from '../../daemon/catalog/catalog-index.js';
import { packDebianTracker } from '../../daemon/catalog/feeds/debian-tracker.js';
import type { SnapshotMeta } from '../../daemon/catalog/model.js';
import { releaseKeyFor } from '../../daemon/catalog/release-key.js';
import { loadIndex, saveIndex } from '../../daemon/catalog/saved-index.js';
import { compareDpkg } from '../../daemon/catalog/versions/dpkg-version.js';
import { InventoryRecords } from '../../daemon/inventory/inventory-records.js';
import type { HostInventory } from '../../daemon/inventory/types.js';
import { hostFactory, makeHostId, realPackages } from './generate.js';
import type { FleetRun } from './result.js';

const NAIVE_HOSTS = 20;

const [trackerFile, fleetList, perHostArg, hostsDir] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const fleets = fleetList.split(',').map(Number);
const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return Math.round((c.user + c.system) / 1000);
};
const rssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

const meta: SnapshotMeta = {
  feedId: 'debian',
  kind: 'debian-tracker',
  origin: 'network',
  syncedAt: new Date().toISOString(),
  state: {},
  bytes: 0,
};

/** A sync: parse, index and save the index. Nothing of it outlives the call but the saved file. */
const sync = async (dir: string, snapshotFile: string) => {
  const cp = process.cpuUsage();
  const tp = performance.now();
  // As the daemon's feed worker parses it: straight into packed columns, no object per fix.
  const feed = packDebianTracker(await readFile(trackerFile));
  const parseMs = ms(tp);
  const parseCpuMs = cpuMs(cp);
  // Then indexed and saved from the packed form, as the daemon keeps a synced feed.
  const ti = performance.now();
  new CatalogIndex(1).addPacked('debian', feed);
  const indexMs = ms(ti);
  const ts = performance.now();
  await saveIndex(dir, snapshotFile, meta, feed);
  return { parseMs, parseCpuMs, indexMs, saveMs: ms(ts) };
};

const rssStart = rssMB();
const dir = await mkdtemp(join(tmpdir(), 'pd-bench-assess-'));
const snapshotFile = join(dir, 'snapshot.json');
await writeFile(snapshotFile, 'stands for the snapshot file the index was built from');
const { parseMs, parseCpuMs, indexMs, saveMs } = await sync(dir, snapshotFile);
const rssAfterParse = rssMB();

// A restart: the index saved beside the snapshot is loaded instead of parsing the tracker again.
const cl = process.cpuUsage();
const tl = performance.now();
const saved = await loadIndex(dir, 'debian', snapshotFile);
if (saved.status !== 'loaded') throw new Error(`saved index not loaded: ${saved.why}`);
const index = new CatalogIndex(2);
index.addPacked('debian', saved.feed);
const loadMs = ms(tl);
const loadCpuMs = cpuMs(cl);
await rm(dir, { recursive: true, force: true });

const makeHost = hostFactory(realPackages(), Number(perHostArg));
/** The fleet's inventories, stored as the daemon stores them (seed-inventories.ts), read from there. */
const store = new InventoryRecords(hostsDir);
/** The last fleet's results and memo, kept to measure the heap they hold. */
let held: { results: unknown[]; memo: AssessMemo } | undefined;
const runs: FleetRun[] = [];
for (const hosts of fleets) {
  // A fresh memo per fleet: each row is a cold assessment of that many hosts.
  const memo = new AssessMemo(index.generation);
  const results: ReturnType<typeof assessHost>[] = [];
  held = { results, memo };
  let readRaw = 0;
  let assessRaw = 0;
  let cpuRaw = 0;
  for (let i = 0; i < hosts; i++) {
    // Read as the daemon reads a host, timed apart from the assessment.
    const tr = performance.now();
    const inv = (await store.get(makeHostId(i)))!;
    readRaw += performance.now() - tr;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    results.push(assessHost(inv, index, memo));
    assessRaw += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpuRaw += (c.user + c.system) / 1000;
  }
  const site = siteCompliance(results);
  runs.push({
    hosts,
    readMs: Math.round(readRaw),
    assessMs: Math.round(assessRaw * 10) / 10,
    // CPU time as well as wall time: on a shared, loaded machine the wall clock also counts the
    // time other processes held the cores.
    assessCpuMs: Math.round(cpuRaw),
    usPerHost: Math.round((assessRaw * 1000) / hosts),
    missingFixes: site.missingFixes,
    compliant: site.compliant,
    memoEntries: memo.size,
    peakRssMB: rssMB(),
  });
}
const peakRssMB = rssMB();

/**
 * Heap the largest fleet's results hold (with the memo they share), from two full collections
 * (the child runs with --expose-gc): after the peak was read, so it cannot flatter that figure.
 */
const heldHeapMB = (() => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc || !held) return undefined;
  gc();
  const withResults = process.memoryUsage().heapUsed;
  held = undefined;
  gc();
  return Math.round((withResults - process.memoryUsage().heapUsed) / 1e5) / 10;
})();

// Contrast: walk every fix of the release for each host (no index over installed versions).
const naive = (inv: HostInventory): number => {
  const rel = index.releases.get(releaseKeyFor(inv.os));
  const bySource = new Map(inv.packages.map((p) => [p.source ?? p.name, p.sourceVersion ?? p.version]));
  let missing = 0;
  for (const [pkg, refs] of rel?.source ?? []) {
    const installed = bySource.get(pkg);
    if (installed === undefined) continue;
    for (const ref of refs)
      if (ref.fix.fixedVersion !== undefined && compareDpkg(installed, ref.fix.fixedVersion) < 0) missing++;
  }
  return missing;
};
/**
 * The floor under any assessment of hosts read as JSON: one Map lookup by name per installed
 * package (the least a site-wide table of packages needs), on fresh strings as a read host has
 * them, timed as the fleets are. What is left between this and `assess` is the rest of the work.
 */
const floorPerHostUs = (() => {
  const byName = new Map(makeHost(0).packages.map((p, i) => [p.name, i]));
  const hosts = 1000;
  let took = 0;
  let found = 0;
  for (let i = 0; i < hosts; i++) {
    const inv = JSON.parse(JSON.stringify(makeHost(i))) as HostInventory;
    const t0 = performance.now();
    for (const p of inv.packages) if (byName.get(p.name) !== undefined) found++;
    took += performance.now() - t0;
  }
  if (found === 0) throw new Error('floor: no package found');
  return Math.round((took * 1000) / hosts);
})();

const naiveHosts = Array.from({ length: NAIVE_HOSTS }, (_, i) => makeHost(i));
const tn = performance.now();
let sink = 0;
for (const h of naiveHosts) sink += naive(h);
const naivePerHostMs = (performance.now() - tn) / NAIVE_HOSTS;

console.log(
  `RESULT ${JSON.stringify({
    trackerCves: index.size.advisories,
    fixes: index.size.fixes,
    parseMs,
    parseCpuMs,
    indexMs,
    saveMs,
    loadMs,
    loadCpuMs,
    rssStartMB: rssStart,
    rssAfterParseMB: rssAfterParse,
    runs,
    peakRssMB,
    heldHeapMB,
    naivePerHostMs: Math.round(naivePerHostMs * 10) / 10,
    floorPerHostUs,
    naiveMissing: sink,
  })}`,
);
