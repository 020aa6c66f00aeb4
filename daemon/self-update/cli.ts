/**
 * `patch-depot self-update [--now] [--check] [--status] [--json]`: run by
 * patch-depot-self-update.timer as root, or by an admin at the appliance's console.
 *   (none)    in the window: finish an interrupted update, else update if a newer version is offered
 *   --now     the same, outside the window too (and even with selfUpdate.enabled off)
 *   --check   only ask the repository what it offers; installs nothing
 *   --status  print the last run's status file; touches nothing
 * Exit codes: 0 ok (updated, up to date, outside the window, off), 1 the update failed or was
 * rolled back, 78 config.
 */
import { readFile } from 'node:fs/promises';
import type { CommandContext } from '../cli-context.js';
import type { Config } from '../config.js';
import { parseWindow } from '../deploy/policy/windows.js';
import { systemTimeZone } from '../deploy/site-settings.js';
import { DepotError } from '../errors.js';
import { DataDirLock } from '../store/data-dir-lock.js';
import { AptSystem, ownProxy, sourceUris } from './apt-system.js';
import { SELF_UPDATE_DIR, statusFile } from './status.js';
import { type RunResult, SelfUpdater } from './updater.js';

const healthUrl = (config: Config): string => {
  const h = config.http.host;
  const host = ['0.0.0.0', '::', ''].includes(h) ? '127.0.0.1' : h;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}/healthz`;
};

const describe = (r: RunResult): string => {
  switch (r.kind) {
    case 'outside-window':
      return `outside the self-update window; it opens at ${new Date(r.opensAt).toISOString()} (--now to update anyway)`;
    case 'up-to-date':
      return `up to date: ${r.installed} is the newest version the repository offers`;
    case 'available':
      return `${r.available} is available (installed: ${r.installed}); run with --now, or wait for the window`;
    case 'done':
      return `${r.outcome}: ${r.message}`;
  }
};

const readSources = async (path: string): Promise<string> => {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new DepotError(
      'CONFIG_INVALID',
      `selfUpdate.sources: cannot read ${path} (${(err as NodeJS.ErrnoException).code}): it names the apt repository the appliance updates from`,
    );
  }
};

export const selfUpdateCommand = async (ctx: CommandContext): Promise<number> => {
  const { values } = ctx;
  const workDir = typeof values['state-dir'] === 'string' ? values['state-dir'] : SELF_UPDATE_DIR;
  const status = statusFile(workDir);
  const json = values.json === true;
  const print = (text: string, data: unknown) =>
    process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${text}\n`);
  if (values.status) {
    const s = await status.read();
    print(`${s.phase}${s.outcome ? ` · last: ${s.outcome}` : ''}${s.message ? ` · ${s.message}` : ''}`, s);
    return 0;
  }
  const config = ctx.config();
  const settings = config.selfUpdate;
  const anyTime = values.now === true;
  const checkOnly = values.check === true;
  if (!settings.enabled && !anyTime && !checkOnly) {
    print('self-update is off (selfUpdate.enabled in config.json)', { kind: 'off' });
    return 0;
  }
  if (process.getuid?.() !== 0) {
    throw new DepotError(
      'FORBIDDEN',
      'self-update runs apt: run it as root (patch-depot-self-update.service does)',
    );
  }
  const proxy = ownProxy(config, sourceUris(await readSources(settings.sources)));
  const zone = settings.timeZone ?? config.deploy.timeZone ?? systemTimeZone();
  const log = ctx.log(config);
  const updater = new SelfUpdater({
    system: new AptSystem({
      package: settings.package,
      sources: settings.sources,
      proxy,
      healthUrl: healthUrl(config),
      dataDir: config.dataDir,
      workDir,
    }),
    status,
    window: parseWindow(settings.window, zone),
    healthTimeoutMs: settings.healthTimeoutSec * 1000,
    log,
  });
  // One run at a time: the timer and an admin at the console must not both install.
  const lock = await DataDirLock.acquire(workDir, 'self-update', '--state-dir');
  try {
    const result = await updater.run({ anyTime, checkOnly });
    print(describe(result), result);
    return result.kind === 'done' && result.outcome !== 'updated' ? 1 : 0;
  } finally {
    await lock.release();
  }
};
