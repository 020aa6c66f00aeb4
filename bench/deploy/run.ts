/**
 * bench/deploy: the same fix set (every lab vendor advisory: 3 packages) to N managed lab hosts,
 * by Patch Depot (the real daemon: scan, SSH access, inventory, feed, then a deployment created,
 * approved and run now, through its cache) and by Ansible (the apt module, forks = N, the same SSH
 * key, no cache: each host fetches from the vendor itself). Each tool gets a fresh site. Reports
 * wall time, bytes across the simulated WAN (nft counters in the vendor's namespace), the ratios
 * Patch Depot/Ansible, the daemon's peak RSS, and whether every host's own dpkg shows the fix set.
 * Goals: WAN bytes = 1.0x the packages' size (each package crosses once; Ansible: N times) and
 * wall time <= Ansible's.
 *   BENCH_DEPLOY_HOSTS (default 20), BENCH_DEPLOY_PAYLOAD_BYTES (per package, default 1 MiB),
 *   BENCH_DEPLOY_RATE_KBIT (WAN, default 50000), BENCH_DEPLOY_LATENCY_MS (vendor, default 20),
 *   BENCH_DEPLOY_TOOLS (default `patch-depot,ansible`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../../scripts/lab/lab.js';
import { daemonPublicKey } from '../../test/lab/helpers/daemon-key.js';
import { runAnsible } from './ansible.js';
import { buildDaemon } from './daemon-build.js';
import { type PatchDepotRun, runPatchDepot } from './patch-depot.js';
import { ANSIBLE_INSTALL, ansibleUnavailableReason, deployBenchUnavailableReason } from './requirements.js';
import { assertUnpatched, createSite, FIX_SET, fixSetBytes, type SiteOptions, type ToolRun } from './site.js';

const int = (name: string, fallback: number, min: number, max: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new Error(`${name}=${process.env[name]}: ${min}-${max}`);
  return v;
};

const OPTIONS: SiteOptions = {
  // The job runner takes at most 64 jobs at once: the hosts plus room for a sync.
  hosts: int('BENCH_DEPLOY_HOSTS', 20, 1, 62),
  payloadBytes: int('BENCH_DEPLOY_PAYLOAD_BYTES', 1 << 20, 0, 64 << 20),
  rateKbit: int('BENCH_DEPLOY_RATE_KBIT', 50_000, 64, 10_000_000),
  latencyMs: int('BENCH_DEPLOY_LATENCY_MS', 20, 0, 10_000),
};
const TOOLS = (process.env.BENCH_DEPLOY_TOOLS ?? 'patch-depot,ansible').split(',').map((s) => s.trim());
/** Patch Depot's WAN bytes count as 1.0x the fix set when they round to 1.0 at one decimal. */
const ONCE = 1.05;

/** Build a fresh site, check it starts unpatched, run `tool` on it, always take it down. */
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const onFreshSite = async <T>(
  publicKey: string,
  tool: (lab: Lab) => Promise<T>,
): Promise<T & { fixSet: number }> => {
  const t0 = performance.now();
  const lab = await createSite(OPTIONS, [publicKey]);
  console.log(`  site ${lab.name} up in ${sec(performance.now() - t0)}`);
  try {
    await assertUnpatched(lab);
    return { ...(await tool(lab)), fixSet: fixSetBytes(lab) };
  } finally {
    await lab.down();
  }
};

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;
const tallyText = (t: Record<string, number>): string =>
  Object.entries(t)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

const row = (name: string, r: ToolRun & { fixSet: number }): string =>
  `${name.padEnd(13)}${sec(r.wallMs).padStart(9)}${mb(r.wan.down).padStart(12)}${mb(r.wan.up).padStart(11)}${`${((r.wan.down + r.wan.up) / r.fixSet).toFixed(2)}x`.padStart(11)}${`${r.patched}/${OPTIONS.hosts}`.padStart(9)}   ${tallyText(r.reported)}`;

type Measured<R extends ToolRun = ToolRun> = (R & { fixSet: number }) | undefined;

const printSettings = (fixSet: number): void => {
  const n = OPTIONS.hosts;
  console.log(
    `\nthe fix set: ${FIX_SET.length} packages, ${mb(fixSet)} of .debs, to ${n} managed lab hosts; WAN ${OPTIONS.rateKbit / 1000} Mbit/s each way, vendor latency ${OPTIONS.latencyMs} ms`,
  );
  console.log(
    `Patch Depot: deploy.concurrency ${n} (site default 5) so every host goes at once, as Ansible's forks=${n}; every host in one group, ring 0 (gates act only between rings, and Ansible has none); jobs.concurrency ${Math.min(64, n + 2)} (each host is a job); timed from creating the deployment (approve per advisory, run now) to every host verified by re-inventory`,
  );
  console.log(
    `Ansible: apt module (update_cache, name=version, only_upgrade), forks=${n}, pipelining, no facts, the daemon's SSH key, known_hosts from the lab's host keys; no cache: hosts fetch from the vendor through the appliance namespace as a plain router\n`,
  );
};

const printTable = (pd: Measured<PatchDepotRun>, an: Measured, skipped: string | undefined): void => {
  console.log(
    `${'tool'.padEnd(13)}${'wall'.padStart(9)}${'WAN down'.padStart(12)}${'WAN up'.padStart(11)}${'x debs'.padStart(11)}${'patched'.padStart(9)}   reported`,
  );
  if (pd) console.log(row('patch-depot', pd));
  if (an) console.log(row('ansible', an));
  if (skipped) console.log(`ansible       skipped: ${skipped}`);
  for (const w of pd?.wrong ?? []) console.log(`  patch-depot left ${w}`);
  for (const w of an?.wrong ?? []) console.log(`  ansible left ${w}`);
  if (!pd) return;
  console.log(
    `daemon peak RSS: ${(pd.peakRssKb.process / 1024).toFixed(1)} MiB (VmHWM), ${(pd.peakRssKb.tree / 1024).toFixed(1)} MiB with its children; per host ${pd.hostSeconds.median.toFixed(1)} s median, ${pd.hostSeconds.max.toFixed(1)} s slowest`,
  );
  console.log(`  its steps, median s: ${tallyText(pd.stepSeconds)}`);
};

const verdict = (value: number | undefined, ok: (v: number) => boolean, shown: string, why: string) =>
  value === undefined ? `not measured${why}` : `${ok(value) ? 'met' : 'NOT met'} (${shown})`;

/** Print the report and the BENCH line; false when a tool left a host without the fix set. */
const report = (pd: Measured<PatchDepotRun>, an: Measured, skipped: string | undefined): boolean => {
  const fixSet = pd?.fixSet ?? an?.fixSet ?? 0;
  printSettings(fixSet);
  printTable(pd, an, skipped);
  const wanX = pd && (pd.wan.down + pd.wan.up) / fixSet;
  const ratios = pd &&
    an && { wall: pd.wallMs / an.wallMs, wan: (pd.wan.down + pd.wan.up) / (an.wan.down + an.wan.up) };
  if (ratios)
    console.log(
      `\npatch-depot/ansible: wall time ${ratios.wall.toFixed(2)}, WAN bytes ${ratios.wan.toFixed(3)}`,
    );
  const goals = {
    wan: verdict(wanX, (x) => x < ONCE, `${wanX?.toFixed(2)}x`, ''),
    wall: verdict(
      ratios?.wall,
      (r) => r <= 1,
      `${ratios?.wall.toFixed(2)}`,
      ` (no Ansible: ${ANSIBLE_INSTALL})`,
    ),
  };
  console.log(
    `\ngoal: Patch Depot's WAN bytes = 1.0x the packages' size (Ansible ~${OPTIONS.hosts}x; both directions, under ${ONCE}x counts as 1.0x) -> ${goals.wan}`,
  );
  console.log(`goal: Patch Depot's wall time <= Ansible's -> ${goals.wall}`);
  const allPatched = [pd, an].every((r) => !r || r.patched === OPTIONS.hosts);
  if (!allPatched) console.log('a tool left hosts without the fix set: this run proves nothing');
  const rounded = (r: Measured) => r && { ...r, wallMs: Math.round(r.wallMs) };
  console.log(
    `BENCH ${JSON.stringify({ bench: 'deploy', options: OPTIONS, fixSetBytes: fixSet, allPatched, patchDepot: rounded(pd), ansible: rounded(an), ansibleSkipped: skipped, ratios, wanTimesFixSet: wanX, goals })}`,
  );
  return allPatched;
};

const main = async (): Promise<void> => {
  const why = deployBenchUnavailableReason();
  if (why) {
    console.log(`bench/deploy skipped: ${why}`);
    console.log(`BENCH ${JSON.stringify({ bench: 'deploy', skipped: why })}`);
    return;
  }
  const noAnsible = TOOLS.includes('ansible')
    ? ansibleUnavailableReason()
    : 'not asked for (BENCH_DEPLOY_TOOLS)';
  const dir = await mkdtemp(join(tmpdir(), 'pd-bench-deploy-'));
  try {
    const dataDir = join(dir, 'data');
    const publicKey = await daemonPublicKey(dataDir);
    const privateKey = join(dataDir, 'inventory', 'ssh', 'id_ed25519');
    let pd: Measured<PatchDepotRun>;
    let an: Measured;
    if (TOOLS.includes('patch-depot')) {
      const mainJs = await buildDaemon(join(dir, 'app'));
      console.log(`patch-depot: ${OPTIONS.hosts} hosts...`);
      pd = await onFreshSite(publicKey, (lab) => runPatchDepot(lab, mainJs, dataDir, dir));
    }
    if (!noAnsible) {
      console.log(`ansible: ${OPTIONS.hosts} hosts...`);
      an = await onFreshSite(publicKey, (lab) => runAnsible(lab, join(dir, 'ansible'), privateKey));
    }
    if (!report(pd, an, noAnsible)) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

await main();
