/**
 * The self-updater's machine: dpkg and apt, run as root by patch-depot-self-update.service.
 * Only the one sources file is refreshed (the system's other indexes are left alone), every
 * download goes through the appliance's own cache as an apt proxy, and apt checks each package
 * against the repository's signed index. The work directory keeps the installed version's package
 * (the next update's way back), the rollback copy and the status file.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import { DepotError } from '../errors.js';
import { STATE_FILE } from '../store/state-store.js';
import type { Health, UpdateSystem } from './updater.js';

const exec = promisify(execFile);
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' };

export interface AptSystemOptions {
  package: string;
  sources: string;
  /** The appliance's apt proxy, e.g. http://127.0.0.1:3142 */
  proxy: string;
  /** The daemon's /healthz URL. */
  healthUrl: string;
  /** The daemon's data directory (its state.json is kept for a rollback). */
  dataDir: string;
  workDir: string;
}

/** Run a tool; its own words (stderr, else stdout) in the error when it fails. */
const run = async (cmd: string, args: string[], cwd?: string): Promise<string> => {
  try {
    const r = await exec(cmd, args, { env: ENV, cwd, maxBuffer: 16 << 20, timeout: 30 * 60_000 });
    return r.stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string; code?: number | string };
    const said = (e.stderr?.trim() || e.stdout?.trim() || e.message).split('\n').slice(-6).join(' | ');
    throw new DepotError('UNAVAILABLE', `${cmd} ${args[0] ?? ''} failed (${e.code ?? 'signal'}): ${said}`);
  }
};

const succeeds = (cmd: string, args: string[]): Promise<boolean> =>
  exec(cmd, args, { env: ENV }).then(
    () => true,
    () => false,
  );

/** The http(s) URIs a sources file names (deb822 `URIs:` or one-line `deb [opts] URI ...`). */
export const sourceUris = (text: string): string[] => {
  const uris: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const field = /^URIs:\s*(.+)$/i.exec(line);
    if (field) uris.push(...field[1]!.split(/\s+/));
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
    if (oneLine) uris.push(oneLine[1]!);
  }
  return uris;
};

/** The proxy URL the appliance's own apt uses, and the refusal when the cache cannot carry the repository. */
export const ownProxy = (config: Config, uris: string[]): string => {
  if (!config.cache.enabled || !config.cache.proxy.enabled) {
    throw new DepotError(
      'CONFIG_INVALID',
      'self-update fetches through the appliance cache: turn on cache.enabled and cache.proxy.enabled',
    );
  }
  if (uris.length === 0) throw new DepotError('CONFIG_INVALID', `selfUpdate.sources names no repository URI`);
  for (const uri of uris) {
    if (!config.cache.upstreams.some((u) => uri.startsWith(u))) {
      throw new DepotError(
        'CONFIG_INVALID',
        `the self-update repository ${uri} is not among cache.upstreams, so the cache would refuse it: add it there`,
      );
    }
  }
  const host = config.cache.proxy.host ?? config.http.host;
  const local = ['0.0.0.0', '::', '', 'localhost'].includes(host) ? '127.0.0.1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${config.cache.proxy.port}`;
};

export class AptSystem implements UpdateSystem {
  constructor(private readonly o: AptSystemOptions) {}

  private aptOptions(onlyTheRepository: boolean): string[] {
    const options = ['-o', `Acquire::http::Proxy=${this.o.proxy}`, '-o', 'DPkg::Lock::Timeout=300'];
    if (!onlyTheRepository) return options;
    return [
      ...options,
      '-o',
      `Dir::Etc::SourceList=${resolve(this.o.sources)}`,
      '-o',
      'Dir::Etc::SourceParts=-',
      '-o',
      'APT::Get::List-Cleanup=0',
    ];
  }

  async installedVersion(): Promise<string | undefined> {
    // dpkg-query's own field syntax, not a template.
    const format = '-f=$' + '{db:Status-Status} $' + '{Version}';
    const out = await run('dpkg-query', ['-W', format, this.o.package]).catch(() => '');
    const [state, version] = out.split(' ');
    return state === 'installed' && version ? version : undefined;
  }

  /** `dpkg --configure -a`, waiting up to 5 minutes for a dpkg still running (a killed run's apt). */
  async repair(): Promise<void> {
    const deadline = Date.now() + 300_000;
    for (;;) {
      try {
        await run('dpkg', ['--configure', '-a']);
        return;
      } catch (err) {
        if (!/lock/i.test((err as Error).message) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  async refresh(): Promise<void> {
    await run('apt-get', ['update', '--error-on=any', '-q', ...this.aptOptions(true)]);
  }

  async candidateVersion(): Promise<string | undefined> {
    const out = await run('apt-cache', [...this.aptOptions(true), 'policy', this.o.package]);
    const m = /^\s*Candidate:\s*(\S+)/m.exec(out);
    return m && m[1] !== '(none)' ? m[1] : undefined;
  }

  isNewer(candidate: string, installed: string): Promise<boolean> {
    return succeeds('dpkg', ['--compare-versions', candidate, 'gt', installed]);
  }

  private async debVersion(file: string): Promise<string | undefined> {
    return (await run('dpkg-deb', ['-f', file, 'Version']).catch(() => '')).trim() || undefined;
  }

  async download(version: string): Promise<string> {
    const dir = join(this.o.workDir, 'candidate');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await run('apt-get', ['download', '-q', ...this.aptOptions(true), `${this.o.package}=${version}`], dir);
    const debs = (await readdir(dir)).filter((f) => f.endsWith('.deb'));
    const file = debs.length === 1 ? join(dir, debs[0]!) : undefined;
    if (!file || (await this.debVersion(file)) !== version) {
      throw new DepotError('UNAVAILABLE', `apt-get download gave no package of version ${version}`);
    }
    return file;
  }

  /** The installed version's package: kept from the last update, in apt's archive, or from the repository. */
  async rollbackPackage(version: string): Promise<string | undefined> {
    const target = join(this.o.workDir, 'rollback.deb');
    const archives = '/var/cache/apt/archives';
    const fromArchive = (await readdir(archives).catch(() => [] as string[]))
      .filter((f) => f.startsWith(`${this.o.package}_`) && f.endsWith('.deb'))
      .map((f) => join(archives, f));
    for (const file of [join(this.o.workDir, 'installed.deb'), ...fromArchive]) {
      if ((await this.debVersion(file)) === version) {
        await copyFile(file, `${target}.tmp`);
        await rename(`${target}.tmp`, target);
        return target;
      }
    }
    const dir = join(this.o.workDir, 'previous');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const got = await run(
      'apt-get',
      ['download', '-q', ...this.aptOptions(true), `${this.o.package}=${version}`],
      dir,
    )
      .then(() => readdir(dir))
      .catch(() => [] as string[]);
    if (got.length !== 1) return undefined;
    await rename(join(dir, got[0]!), target);
    return target;
  }

  async install(deb: string): Promise<void> {
    await run('apt-get', [
      'install',
      '-y',
      '-q',
      '--allow-downgrades',
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      ...this.aptOptions(false),
      resolve(deb),
    ]);
    // The package's postinst starts the service; one a broken version left failed (restart limit
    // hit) would stay down after a rollback without this.
    if (existsSync('/run/systemd/system')) {
      const unit = `${this.o.package}.service`;
      await run('systemctl', ['reset-failed', unit]).catch(() => undefined);
      await run('systemctl', ['start', unit]).catch(() => undefined);
    }
  }

  async snapshotState(): Promise<void> {
    const state = join(this.o.dataDir, STATE_FILE);
    if (!existsSync(state)) return;
    await copyFile(state, join(this.o.workDir, `${STATE_FILE}.tmp`));
    await rename(
      join(this.o.workDir, `${STATE_FILE}.tmp`),
      join(this.o.workDir, `${STATE_FILE}.before-update`),
    );
  }

  /** The daemon stopped, its state file as it was before the update, owned as before. */
  async restoreState(): Promise<void> {
    const saved = join(this.o.workDir, `${STATE_FILE}.before-update`);
    if (!existsSync(saved)) return;
    if (existsSync('/run/systemd/system')) {
      await run('systemctl', ['stop', `${this.o.package}.service`]).catch(() => undefined);
    }
    const state = join(this.o.dataDir, STATE_FILE);
    const owner = await stat(this.o.dataDir);
    const temp = `${state}.restore-tmp`;
    await copyFile(saved, temp);
    await chown(temp, owner.uid, owner.gid);
    await chmod(temp, (await stat(saved)).mode & 0o777);
    await rename(temp, state);
  }

  async keepAsInstalled(deb: string): Promise<void> {
    await rename(deb, join(this.o.workDir, 'installed.deb'));
    await rm(join(this.o.workDir, 'rollback.deb'), { force: true });
    await rm(join(this.o.workDir, `${STATE_FILE}.before-update`), { force: true });
  }

  async health(): Promise<Health | undefined> {
    const res = await fetch(this.o.healthUrl, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) return undefined;
    return (await res.json()) as Health;
  }
}
