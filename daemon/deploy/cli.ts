/**
 * `patch-depot deploy SUBCOMMAND` for the technician at the console, on the data directory:
 *   plan --advisory ID... [--package NAME...] [--host ID|ADDR...] [--allow-remove NAME...] [--json]
 *        the plan from the last synced feeds and collected inventories; changes nothing
 *   status [ID] [--json]     every deployment, or one with its rings and hosts
 *   run ID [--now]           start (or resume) a draft or paused deployment, in windows or now
 * Options, help and usage mistakes are daemon/cli/'s (deploy-command.ts). Reading works while the
 * daemon runs; `run` drives hosts, so it needs the SSH executors and the data directory to itself.
 */

import { userInfo } from 'node:os';
import { join } from 'node:path';
import { AssessService } from '../assess/assess-service.js';
import { inventoryFiles } from '../assess/inventory-files.js';
import { createCatalogService } from '../catalog/catalog-module.js';
import { type CommandContext, UsageError } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { HostDirectory } from '../hosts/host-directory.js';
import { hostsDir } from '../hosts/hosts-module.js';
import { inventoryDir } from '../inventory/inventory-module.js';
import { InventoryRecords } from '../inventory/inventory-records.js';
import type { DeployAdapters } from './deploy-module.js';
import { deployDir } from './deploy-module.js';
import { attemptLabel, type Deployment } from './deployment.js';
import { DeploymentStore } from './deployment-store.js';
import { deployRequest, type PlanPreview, previewPlan } from './new-deployment.js';
import { updateKey } from './plan.js';

export const NO_EXECUTOR =
  'deployments are off on this appliance (deploy.enabled is false in config.json; plan and status still work)';

const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/** The plan as `patch-depot deploy plan` prints it for people. */
const planText = (p: PlanPreview, label: (id: string) => string): string => {
  const lines: string[] = [];
  for (const [id, a] of Object.entries(p.plan.advisories))
    lines.push(`${a.severity.padEnd(9)} ${id}  ${a.summary.slice(0, 100)}`);
  lines.push('');
  for (const c of p.plan.changes) {
    const place = p.placement[c.hostId];
    lines.push(
      `${label(c.hostId)} (${c.hostId}, ${c.ecosystem}, group ${place?.group}, ring ${place?.ring})`,
    );
    for (const u of c.upgrades)
      lines.push(`  upgrade ${u.name} to ${u.version}  [${u.advisories.join(' ')}]`);
    if (c.allowRemove.length) lines.push(`  may remove: ${c.allowRemove.join(', ')}`);
  }
  for (const n of p.plan.notApplicable) lines.push(`${label(n.hostId)}: not applicable: ${n.reason}`);
  lines.push(
    '',
    `${p.plan.changes.length} host(s) to change; a dry run on each host shows the exact transaction before it installs`,
  );
  return lines.join('\n');
};

/**
 * Why a plan came out empty when the data directory is the likely cause: run from the wrong
 * directory, `deploy plan` read a ./.data with no hosts and said only "0 host(s) to change".
 */
export const nothingPlanned = (dataDir: string, assessedHosts: number): string[] =>
  assessedHosts === 0
    ? [
        `no host has been inventoried in ${dataDir}: is it the daemon's data directory? give it with --data-dir DIR or PATCH_DEPOT_DATA_DIR`,
      ]
    : [];

/**
 * Each advisory asked for that the plan holds nowhere, and why: the catalog has no advisory of that
 * id (a typo, or a feed not synced), or no host misses its fix. Ids and CVEs match in any case.
 */
export const unplannedAdvisories = (
  asked: readonly string[],
  planned: Readonly<Record<string, { cves: readonly string[] }>>,
  known: (id: string) => boolean,
): string[] =>
  asked
    .filter(
      (v) =>
        !Object.entries(planned).some(([id, a]) =>
          [id, ...a.cves].some((x) => x.toUpperCase() === v.toUpperCase()),
        ),
    )
    .map((v) =>
      known(v) || known(v.toUpperCase())
        ? `${v}: no host here is missing its fix`
        : `${v}: no advisory in the catalog has that id, and no host misses a fix naming it (a typo, or its feed not synced yet?)`,
    );

/** A `--host` that names no machine was planned as "no inventory yet: collect it first": said as it is. */
const unknownHosts = (
  refs: readonly string[],
  directory: HostDirectory,
  assessed: readonly { hostId: string }[],
): void => {
  const unknown = refs.find((r) => !directory.get(r) && !assessed.some((h) => h.hostId === r));
  if (unknown !== undefined)
    throw new DepotError(
      'NOT_FOUND',
      `--host ${JSON.stringify(unknown.slice(0, 80))}: no known machine (give a host id, an address, a MAC or the name it reports)`,
    );
};

const plan = async (ctx: CommandContext): Promise<number> => {
  const config = ctx.config();
  const log = ctx.commandLog(config);
  const directory = new HostDirectory(join(hostsDir(config), 'directory.json'));
  await directory.start();
  const hosts = strs(ctx.values.host).map((ref) => directory.resolve(ref)?.id ?? ref);
  const request = deployRequest({
    advisories: strs(ctx.values.advisory),
    packages: strs(ctx.values.package),
    hosts,
    allowRemove: strs(ctx.values['allow-remove']),
  });
  if (request.advisories.length + request.packages.length + request.hosts.length === 0)
    throw new UsageError('give at least one of --advisory, --package or --host');
  const catalog = createCatalogService(config, log.child('catalog'), 'cli');
  await catalog.start();
  try {
    const inventories = new InventoryRecords(join(inventoryDir(config), 'hosts'));
    await inventories.start();
    const assess = new AssessService({ catalog, inventories: inventoryFiles(inventories, log), log });
    const site = await assess.current();
    unknownHosts(hosts, directory, site.hosts);
    const addressOf = (id: string) => directory.get(id)?.address ?? undefined;
    const preview = previewPlan(config.deploy, site.hosts, request, addressOf);
    const label = (id: string) => directory.get(id)?.hostname ?? addressOf(id) ?? id;
    out(
      ctx.values.json
        ? JSON.stringify({ ...preview.plan, placement: preview.placement }, null, 2)
        : planText(preview, label),
    );
    if (!ctx.values.json) {
      const known = (id: string) => catalog.index().advisories.get(id) !== undefined;
      for (const why of unplannedAdvisories(request.advisories, preview.plan.advisories, known))
        process.stderr.write(`${why}\n`);
    }
    if (!preview.plan.changes.length && !ctx.values.json)
      for (const why of nothingPlanned(config.dataDir, site.hosts.length)) process.stderr.write(`${why}\n`);
    return preview.plan.changes.length ? 0 : 1;
  } finally {
    await catalog.stop();
  }
};

const summary = (d: Deployment): string => {
  const by = new Map<string, number>();
  for (const h of d.hosts) by.set(h.outcome ?? h.phase, (by.get(h.outcome ?? h.phase) ?? 0) + 1);
  return [...by].map(([k, n]) => `${n} ${k}`).join(', ');
};

const detailText = (d: Deployment): string => {
  const lines = [`${d.id}  ${d.state}  ${d.title}`, `created ${d.createdAt} by ${d.createdBy}`];
  if (d.note) lines.push(`note: ${d.note}`);
  d.rings.forEach((r, i) => {
    const n = d.hosts.filter((h) => h.ring === i).length;
    if (n) lines.push(`ring ${i}: ${r.state} (${n} hosts)${r.note ? `: ${r.note}` : ''}`);
  });
  for (const a of d.approvals)
    lines.push(`approved ${JSON.stringify(a.scope)} by ${a.by} from ${a.from} at ${a.at}`);
  for (const h of d.hosts) {
    const tries = h.failures.map((f) => `${attemptLabel(h, f)} ${f.kind}: ${f.reason}`).join('; ');
    lines.push(
      `  ${h.hostId.padEnd(14)} ring ${h.ring} ${h.phase.padEnd(10)} ${(h.outcome ?? '-').padEnd(14)} ${h.change.upgrades.map(updateKey).join(' ')}${h.reason ? `  ${h.reason}` : ''}${tries ? `  (${tries})` : ''}`,
    );
  }
  return lines.join('\n');
};

const status = async (ctx: CommandContext): Promise<number> => {
  const config = ctx.config();
  // The data directory is checked before this runs (needsState in daemon/cli/deploy-command.ts).
  const store = new DeploymentStore(join(deployDir(config), 'deployments'), ctx.commandLog(config));
  await store.load();
  const all = store.movingRecords().reverse();
  const id = ctx.positionals[1];
  if (id) {
    const d = await store.record(id);
    if (!d) throw new DepotError('NOT_FOUND', `no deployment ${id}`);
    out(ctx.values.json ? JSON.stringify(d, null, 2) : detailText(d));
    return 0;
  }
  if (ctx.values.json) out(JSON.stringify(all, null, 2));
  else if (all.length === 0) out(`no deployments yet in ${config.dataDir}`);
  else
    for (const d of all)
      out(`${d.id}  ${d.state.padEnd(9)}  ${d.createdAt.slice(0, 16)}  ${d.title}  (${summary(d)})`);
  return 0;
};

/** Resolves once the deployment stopped, or every open host waits (for a window or an approval). */
const untilAtRest = async (get: (id: string) => Promise<Deployment>, id: string): Promise<Deployment> => {
  for (;;) {
    const d = await get(id);
    const open = d.hosts.filter((h) => !h.outcome);
    if (d.state !== 'running' || open.every((h) => h.phase === 'pending' && h.waiting)) return d;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
};

/** Start a deployment and drive it here until it stops moving. Needs the host adapters. */
const run = async (ctx: CommandContext, adapters: DeployAdapters | undefined): Promise<number> => {
  const id = ctx.positionals[1];
  if (!id) throw new UsageError('missing ID: the deployment to start (see patch-depot deploy status)');
  const config = ctx.config();
  if (!adapters && !config.deploy.enabled) throw new DepotError('UNAVAILABLE', NO_EXECUTOR);
  const log = ctx.commandLog(config);
  const { DataDirLock } = await import('../store/data-dir-lock.js');
  const lock = await DataDirLock.acquire(config.dataDir, 'deploy run');
  if (!adapters) {
    const { createInventoryService } = await import('../inventory/inventory-module.js');
    const { sshDeployAdapters } = await import('./ssh-adapters.js');
    const inventory = createInventoryService(config, log.child('inventory'));
    await inventory.start();
    adapters = sshDeployAdapters(config, inventory);
  }
  const { JobRunner } = await import('../jobs/job-runner.js');
  const { systemClock } = await import('../lifecycle.js');
  const { createDeployService } = await import('./deploy-module.js');
  const jobs = new JobRunner({
    dir: join(config.dataDir, 'jobs'),
    clock: systemClock,
    log,
    concurrency: config.jobs.concurrency,
    keepFinished: config.jobs.keepFinished,
  });
  const deploy = createDeployService(config, log, jobs, adapters);
  try {
    await jobs.start();
    await deploy.start();
    await deploy.run(id, { by: userInfo().username, from: 'cli' }, { now: ctx.values.now === true });
    const d = await untilAtRest(deploy.get.bind(deploy), id);
    out(detailText(d));
    return d.state === 'completed' ? 0 : 1;
  } finally {
    await deploy.stop();
    await jobs.stop();
    await lock.release();
  }
};

export const deployCommand = async (ctx: CommandContext, adapters?: DeployAdapters): Promise<number> => {
  switch (ctx.positionals[0]) {
    case 'plan':
      return plan(ctx);
    case 'status':
      return status(ctx);
    case 'run':
      return run(ctx, adapters);
    default:
      throw new UsageError(`unknown subcommand "${ctx.positionals[0]}"`);
  }
};
