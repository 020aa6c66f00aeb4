/**
 * Patch Depot's side of bench/deploy, done as an admin would on the lab (test/lab/deploy.test.ts
 * does the same): the real daemon in the appliance namespace, first-run setup, a scope and a scan,
 * SSH access per host, an inventory, the vendor's tracker feed, then a deployment of the fix set:
 * created, approved per advisory and run "now". Hosts fetch through the appliance's cache. Timed
 * from creating the deployment to every host ending; WAN bytes counted over the same span.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from '../../daemon/deploy/deployment.js';
import { labDaemonConfig } from '../../scripts/lab/daemon-config.js';
import type { Lab } from '../../scripts/lab/lab.js';
import {
  type Background,
  startInNamespace,
  startProgramInNamespace,
} from '../../test/lab/helpers/in-namespace-background.js';
import { scanFromAssets, type UiClient, uiClient } from '../../test/lab/helpers/ui-client.js';
import { PeakRss, type PeakRssKb } from '../tftp/peak-rss.js';
import { checkHosts, FIX_SET, hostLabels, poll, type ToolRun, wanDelta } from './site.js';

const UI_PORT = 8080;

/**
 * The daemon's settings for the bench, beyond pointing it at the lab vendor: every host in one
 * ring (gates only act between rings, and the peer has none), the site's concurrency raised from
 * 5 to the number of hosts so all go at once as Ansible's forks do, and room in the job runner
 * for that many host jobs plus the odd sync or collection.
 */
export const benchDaemonConfig = (lab: Lab): Record<string, unknown> => {
  const n = lab.hosts.length;
  const base = labDaemonConfig(lab, [{ name: 'bench', ring: 0, labels: hostLabels(n) }]);
  return {
    ...base,
    deploy: { ...(base.deploy as object), concurrency: n },
    jobs: { concurrency: Math.min(64, n + 2) },
    inventory: { concurrency: Math.min(64, n), intervalHours: 0 },
    discovery: { schedule: false },
  };
};

export interface PatchDepotRun extends ToolRun {
  peakRssKb: PeakRssKb;
  /** Seconds each host spent from its start to its outcome: slowest, median. */
  hostSeconds: { max: number; median: number };
  /** Median seconds per step over the hosts (preflight, update, dry run, install...), in order. */
  stepSeconds: Record<string, number>;
}

/** The daemon's UI as a browser would use it, through a unix socket into the namespace. */
const openUi = async (lab: Lab, dir: string): Promise<{ ui: UiClient; bridge: Background }> => {
  const socket = join(dir, 'ui.sock');
  const args = ['scripts/unix-bridge.ts', 'listen-unix', socket, 'connect-tcp', `127.0.0.1:${UI_PORT}`];
  const bridge = await startInNamespace(lab.applianceNs, args, /ready/);
  return { ui: uiClient(socket), bridge };
};

const expect = async (res: Promise<Response>, status: number, what: string): Promise<Response> => {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status}\n${(await r.text()).slice(0, 2000)}`);
  return r;
};

/** Setup, scope, scan, SSH access per host, inventory, feed: until the plan covers every host. */
const prepareSite = async (lab: Lab, ui: UiClient, dataDir: string): Promise<string> => {
  const csrf = await ui.setUp(dataDir);
  await expect(ui.post('/settings/scopes', { _csrf: csrf, name: 'Lab', include: lab.subnet }), 303, 'scope');
  await scanFromAssets(ui, csrf);
  for (const h of lab.hosts) {
    const found = await ui.request(`/assets/${h.ip}`);
    const href = found.headers.get('location') ?? '';
    if (!href.startsWith('/hosts/h-')) throw new Error(`the scan did not find ${h.label} (${h.ip})`);
    const form = { _csrf: csrf, address: h.ip, username: 'root', port: '22' };
    await expect(ui.post(`${href}/manage`, form), 303, `SSH access to ${h.label}`);
  }
  await expect(ui.post('/inventory/collect', { _csrf: csrf }), 303, 'inventory');
  await expect(ui.post('/patches/feeds/sync', { _csrf: csrf, feed: 'lab-vendor' }), 303, 'feed sync');
  const query = FIX_SET.map((p) => `advisory=${p.cve}`).join('&');
  const want = `Plan: ${lab.hosts.length} hosts to change`;
  await poll(
    async () => (await ui.text(`/deployments/new?${query}`)).includes(want),
    `every host assessed as missing the fix set (${want})`,
    300_000,
  );
  return csrf;
};

/** Create the deployment of the fix set, approve each advisory, run it now; its id. */
const startDeployment = async (ui: UiClient, csrf: string): Promise<string> => {
  const body = new URLSearchParams({ _csrf: csrf, title: 'bench: the fix set everywhere' });
  for (const p of FIX_SET) body.append('advisory', p.cve);
  const created = await expect(
    ui.request('/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    }),
    303,
    'create the deployment',
  );
  const href = (created.headers.get('location') ?? '').split('?')[0]!;
  for (const p of FIX_SET)
    await expect(ui.post(`${href}/approve`, { _csrf: csrf, kind: 'advisory', value: p.cve }), 303, 'approve');
  await expect(ui.post(`${href}/run`, { _csrf: csrf, now: '1' }), 303, 'run now');
  return decodeURIComponent(href.split('/')[2] ?? '');
};

const readRecord = (dataDir: string, id: string): Deployment =>
  JSON.parse(readFileSync(join(dataDir, 'deploy', 'deployments', `${id}.json`), 'utf8')) as Deployment;

const hostSeconds = (d: Deployment): { max: number; median: number } => {
  const s = d.hosts
    .filter((h) => h.startedAt && h.finishedAt)
    .map((h) => (Date.parse(h.finishedAt!) - Date.parse(h.startedAt!)) / 1000);
  return { max: Math.max(0, ...s), median: median(s) };
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const stepSeconds = (d: Deployment): Record<string, number> => {
  const by = new Map<string, number[]>();
  for (const h of d.hosts)
    for (const st of h.steps) {
      const s = (Date.parse(st.finishedAt) - Date.parse(st.startedAt)) / 1000;
      by.set(st.step, [...(by.get(st.step) ?? []), s]);
    }
  return Object.fromEntries([...by].map(([step, xs]) => [step, +median(xs).toFixed(2)]));
};

const tally = (d: Deployment): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const h of d.hosts) out[h.outcome ?? h.phase] = (out[h.outcome ?? h.phase] ?? 0) + 1;
  return out;
};

/**
 * The whole Patch Depot run on `lab`: the compiled daemon `mainJs` with its data in `dataDir`
 * (its SSH key already there).
 */
export const runPatchDepot = async (
  lab: Lab,
  mainJs: string,
  dataDir: string,
  dir: string,
): Promise<PatchDepotRun> => {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'config.json'), JSON.stringify(benchDaemonConfig(lab)));
  const argv = [process.execPath, mainJs, 'serve'];
  const daemon = await startProgramInNamespace(lab.applianceNs, argv, /"msg":"listening"/, {
    PATCH_DEPOT_DATA_DIR: dataDir,
    PATCH_DEPOT_HOST: '127.0.0.1',
    PATCH_DEPOT_PORT: String(UI_PORT),
    PATCH_DEPOT_LOG_FORMAT: 'json',
  });
  const rss = new PeakRss(daemon.child.pid!);
  let opened: { ui: UiClient; bridge: Background } | undefined;
  try {
    opened = await openUi(lab, dir);
    const ready = performance.now();
    const csrf = await prepareSite(lab, opened.ui, dataDir);
    const setupS = ((performance.now() - ready) / 1000).toFixed(1);
    console.log(`  setup, scan, SSH access, inventory, feed and assessment in ${setupS} s`);
    const wan0 = await lab.wanCounters();
    const t0 = performance.now();
    const id = await startDeployment(opened.ui, csrf);
    const atRest = ['completed', 'halted', 'cancelled'];
    await poll(
      () => atRest.includes(readRecord(dataDir, id).state),
      'the deployment to end',
      900_000,
      50,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- daemon log:\n${daemon.tail().slice(-6000)}`);
    });
    const wallMs = performance.now() - t0;
    const wan = wanDelta(wan0, await lab.wanCounters());
    const d = readRecord(dataDir, id);
    const peakRssKb = rss.finish();
    const { patched, wrong } = await checkHosts(lab);
    return {
      wallMs,
      wan,
      patched,
      wrong,
      reported: tally(d),
      peakRssKb,
      hostSeconds: hostSeconds(d),
      stepSeconds: stepSeconds(d),
    };
  } finally {
    rss.finish();
    await opened?.ui.close();
    await opened?.bridge.stop();
    await daemon.stop();
  }
};
