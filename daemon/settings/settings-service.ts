/**
 * Settings changed from the UI: written to the config file (ConfigFile), applied at once where the
 * running service can take them (feeds, trusted keys, cache upstreams, WAN rate, windows, clients,
 * the site name; host groups and the other policy each new deployment reads from the file), and
 * otherwise listed as waiting for a restart. Every change goes in the audit log with its old and
 * new value, secrets redacted.
 */
import type { AuditLog } from '../auth/audit-log.js';
import { type Config, envVars, type LoadConfigOptions } from '../config.js';
import type { Logger } from '../log.js';
import {
  ConfigFile,
  type ConfigFileState,
  type FieldErrors,
  type PlacedIssue,
  type SettingChange,
} from './config-file.js';

/** Settings a running appliance takes without a restart. */
export const LIVE_PATHS: readonly string[] = [
  'site.name',
  'catalog.feeds',
  'catalog.trustedKeys',
  'cache.upstreams',
  'cache.wanRateKBps',
  'cache.windows',
  'cache.strictWindows',
  'cache.clients',
  // Read by each new deployment when it is planned (a planned one keeps the copy it was made with).
  // Not live: deploy.enabled and deploy.concurrency size the running deployment service and its job
  // limit; deploy.timeZone also schedules the reports.
  'deploy.groups',
  'deploy.rules',
  'deploy.batchFailureThreshold',
  'deploy.gate.minSuccessRate',
  'deploy.gate.minVerified',
  'deploy.gate.soakHours',
];

/** Live paths each new deployment reads from the file when it is planned (hand edits included). */
const isLiveDeployPath = (p: string): boolean => p.startsWith('deploy.') && LIVE_PATHS.includes(p);

/** The keys of `deploy` each new deployment reads from the file (`gate` whole: all its fields are live). */
const LIVE_DEPLOY_KEYS = [
  ...new Set(LIVE_PATHS.filter(isLiveDeployPath).map((p) => p.split('.')[1] as keyof Config['deploy'])),
];

/** Values never written to the audit log. */
const SECRET_PATHS = new Set(['http.metricsToken']);

/** The running services that take live settings. */
export interface LiveTargets {
  catalog?:
    | { reconfigure(s: { feeds: Config['catalog']['feeds']; trustedKeys: string[] }): void }
    | undefined;
  cache?: { reconfigure(c: Config['cache']): void } | undefined;
  api?: { rename(name: string | undefined): void } | undefined;
}

export interface Actor {
  user: string;
  role?: string | undefined;
  from: string;
  request: string;
}

export type ChangeOutcome =
  | { errors: FieldErrors; issues: PlacedIssue[] }
  | { state: ConfigFileState; changed: string[]; live: string[]; restart: string[] };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted paths whose values differ (arrays compare whole). */
export const changedPaths = (a: unknown, b: unknown, prefix = ''): string[] => {
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
};

export const getPath = (root: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, k) => (isObject(node) ? node[k] : undefined), root);

const short = (v: unknown): string => {
  const text = v === undefined ? '(default)' : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** "catalog.feeds: added ["x"]" or "cache.wanRateKBps: 0 -> 512", secrets redacted. */
export const describeChange = (path: string, before: unknown, after: unknown): string => {
  if (SECRET_PATHS.has(path)) return `${path}: changed (secret, not logged)`;
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = (x: unknown) => (isObject(x) && typeof x.id === 'string' ? x.id : JSON.stringify(x));
    const was = new Set(before.map(key));
    const now = new Set(after.map(key));
    const added = [...now].filter((k) => !was.has(k));
    const removed = [...was].filter((k) => !now.has(k));
    const parts = [
      added.length ? `added ${short(added)}` : '',
      removed.length ? `removed ${short(removed)}` : '',
    ].filter(Boolean);
    return `${path}: ${parts.join(', ') || 'entries changed'}`;
  }
  return `${path}: ${short(before)} -> ${short(after)}`;
};

export class SettingsService {
  readonly name = 'settings';
  readonly file: ConfigFile;
  /** The settings the services run with, as far as the file sets them. */
  private running: Config | undefined;
  /** The live deploy keys as last read from a good file. */
  private liveDeploy: Partial<Config['deploy']> = {};

  constructor(
    private readonly opts: {
      source: LoadConfigOptions & { file: string };
      live: () => LiveTargets;
      audit?: AuditLog | undefined;
      log: Logger;
    },
  ) {
    this.file = new ConfigFile(opts.source);
  }

  async start(): Promise<void> {
    try {
      await this.file.sweep();
      this.running = (await this.file.read()).config;
    } catch (err) {
      // The daemon runs on what it loaded; the page shows the file's problem when opened.
      this.opts.log.warn('the config file cannot be edited from the UI now', { err, file: this.file.path });
    }
  }

  async stop(): Promise<void> {}

  read(): Promise<ConfigFileState> {
    return this.file.read();
  }

  /** Where a path's value comes from instead of the file, e.g. "PATCH_DEPOT_PORT" or "--port". */
  overriddenBy(path: string): string | undefined {
    const env = Object.entries(envVars).find(
      ([name, [p]]) => p === path && this.opts.source.env[name] !== undefined,
    );
    if (env) return `the environment variable ${env[0]}`;
    return path in (this.opts.source.overrides ?? {}) ? 'a command-line flag' : undefined;
  }

  /**
   * The deploy settings a new deployment is planned with: `started` (what the daemon runs with)
   * with the live deploy keys as the file has them now, saved here or edited by hand. A file that
   * does not pass the checks leaves the last good ones in use (the settings page names its problem).
   */
  async deploySettings(started: Config['deploy']): Promise<Config['deploy']> {
    try {
      const state = await this.file.read();
      // No file: the daemon runs on defaults and its own sources; nothing to read on top.
      if (state.version !== 'none')
        this.liveDeploy = Object.fromEntries(LIVE_DEPLOY_KEYS.map((k) => [k, state.config.deploy[k]]));
    } catch (err) {
      this.opts.log.warn('new deployments keep the deploy settings last read', { err, file: this.file.path });
    }
    return { ...started, ...this.liveDeploy };
  }

  /** Settings in the file that differ from what the services run with: they need a restart. */
  restartNeeded(state: ConfigFileState): string[] {
    // Live deploy paths are read from the file by each new deployment: never waiting for a restart.
    return this.running
      ? changedPaths(this.running, state.config).filter((p) => p !== 'dataDir' && !isLiveDeployPath(p))
      : [];
  }

  async change(version: string, changes: SettingChange[], actor: Actor): Promise<ChangeOutcome> {
    const result = await this.file.update(version, changes);
    if ('errors' in result) return result;
    const { state, before } = result;
    const changed = changedPaths(before, state.config).filter((p) => p !== 'dataDir');
    const live = changed.filter((p) => LIVE_PATHS.includes(p));
    this.applyLive(live, state.config);
    for (const path of changed)
      await this.audit(actor, describeChange(path, getPath(before, path), getPath(state.config, path)));
    this.opts.log.info('settings changed', { by: actor.user, paths: changed, live });
    return { state, changed, live, restart: this.restartNeeded(state) };
  }

  private applyLive(paths: string[], config: Config): void {
    if (!paths.length) return;
    const targets = this.opts.live();
    if (paths.some((p) => p.startsWith('catalog.')))
      targets.catalog?.reconfigure({ feeds: config.catalog.feeds, trustedKeys: config.catalog.trustedKeys });
    if (paths.some((p) => p.startsWith('cache.'))) targets.cache?.reconfigure(config.cache);
    if (paths.includes('site.name')) targets.api?.rename(config.site.name);
    this.adopt(paths, config);
  }

  /** The running settings take `paths` (live ones) from `config`. */
  private adopt(paths: string[], config: Config): void {
    if (!this.running || !paths.length) return;
    const running = structuredClone(this.running);
    for (const p of paths) {
      const [section, key] = p.split('.') as [keyof Config, string];
      (running[section] as Record<string, unknown>)[key] = (config[section] as Record<string, unknown>)[key];
    }
    this.running = running;
  }

  private async audit(actor: Actor, action: string): Promise<void> {
    try {
      await this.opts.audit?.record({
        at: new Date().toISOString(),
        user: actor.user.slice(0, 64),
        role: actor.role,
        from: actor.from.slice(0, 64),
        action: `setting ${action}`.slice(0, 200),
        request: actor.request.slice(0, 300),
        outcome: 'done',
        status: 200,
      });
    } catch (err) {
      this.opts.log.error('could not write the audit log', { err });
    }
  }
}
