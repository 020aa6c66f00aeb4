/**
 * Composition root: builds every service from the config, starts them in order and stops them
 * in reverse. Nothing here does work at import time.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createWebApp } from '../web/app.js';
import { loadStaticAssets } from '../web/static-assets.js';
import type { ApiModule } from './api/api-module.js';
import type { AssessService } from './assess/assess-service.js';
import { AuditLog, auditFile } from './auth/audit-log.js';
import { AuthService } from './auth/auth-service.js';
import { SETUP_CODE_FILE, SetupCode } from './auth/setup-code.js';
import { cacheWithin } from './backup/cache-within.js';
import type { CacheModule } from './cache/cache-module.js';
import type { CatalogService } from './catalog/catalog-service.js';
import type { Config, LoadConfigOptions } from './config.js';
import type { DeployAdapters } from './deploy/deploy-module.js';
import type { DeployService } from './deploy/deploy-service.js';
import type { DiscoveryService } from './discovery/discovery-service.js';
import type { HostService } from './hosts/host-service.js';
import { HttpServer } from './http-server.js';
import type { InventoryService } from './inventory/inventory-service.js';
import { JobRunner } from './jobs/job-runner.js';
import { Scheduler } from './jobs/scheduler.js';
import { type Service, systemClock } from './lifecycle.js';
import type { Logger } from './log.js';
import { HealthRegistry } from './observability/health.js';
import { packageVersion } from './package-version.js';
import type { PresenceService } from './presence/presence-service.js';
import { Metrics } from './reports/metrics.js';
import type { ReportsService } from './reports/reports-service.js';
import { selfUpdateView } from './self-update/status.js';
import { createSettingsService } from './settings/settings-module.js';
import type { SettingsService } from './settings/settings-service.js';
import { DataDirLock } from './store/data-dir-lock.js';
import { StateStore } from './store/state-store.js';
import type { TftpModule } from './tftp/tftp-module.js';

export { packageVersion };

export class DepotApp {
  readonly store: StateStore;
  readonly metrics: Metrics;
  readonly auth: AuthService;
  /**
   * Stop and exit so the supervisor starts the daemon again (a staged restore is swapped in at
   * start); set by serve(). Returns whether a supervisor will.
   */
  restart: () => boolean = () => false;
  /** How the config was loaded (set by serve()): the settings page writes that file. */
  configSource: LoadConfigOptions | undefined;
  settings: SettingsService | undefined;
  /** Every change made through the UI, and every sign-in (audit.jsonl). */
  readonly audit: AuditLog;
  /** Every scan, collection and sync runs through these two. */
  readonly jobs: JobRunner;
  readonly scheduler: Scheduler;
  readonly health: HealthRegistry;
  http: HttpServer | undefined;
  cache: CacheModule | undefined;
  tftp: TftpModule | undefined;
  discovery: DiscoveryService | undefined;
  inventory: InventoryService | undefined;
  catalog: CatalogService | undefined;
  assess: AssessService | undefined;
  hosts: HostService | undefined;
  /** Job titles name a host as pages do (the directory is built after inventory, so looked up late). */
  private readonly titleName = (id: string) => (this.hosts?.get(id) ? this.hosts.label(id) : undefined);
  presence: PresenceService | undefined;
  /** Compliance history and the remediation ledger behind the Reports page. */
  reports: ReportsService | undefined;
  /** Built only when the host adapters (executors, verifier) are given to the app. */
  deploy: DeployService | undefined;
  /** The console API: tokens, the site key, the summary. */
  api: ApiModule | undefined;
  private readonly started: Service[] = [];
  private lock: DataDirLock | undefined;
  private readonly startedAt = new Date();

  constructor(
    readonly config: Config,
    private readonly log: Logger,
    /** The adapters deployment drives hosts through; without them there is no deployment service. */
    private readonly deployAdapters?: DeployAdapters,
  ) {
    this.store = new StateStore({
      dataDir: config.dataDir,
      debounceMs: config.store.debounceMs,
      maxDelayMs: config.store.maxDelayMs,
      log: log.child('store'),
    });
    this.metrics = new Metrics(() => this.store.writes);
    this.audit = new AuditLog(auditFile(config.dataDir));
    this.auth = new AuthService(this.store, {
      setupCode: new SetupCode(config.dataDir),
      sessionTtlHours: config.auth.sessionTtlHours,
      loginAttemptsPerMinute: config.auth.loginAttemptsPerMinute,
      log: log.child('auth'),
    });
    this.jobs = new JobRunner({
      dir: join(config.dataDir, 'jobs'),
      clock: systemClock,
      log: log.child('jobs'),
      concurrency: config.jobs.concurrency,
      keepFinished: config.jobs.keepFinished,
    });
    this.scheduler = new Scheduler({ clock: systemClock, log: log.child('scheduler') });
    this.health = new HealthRegistry(log.child('health'));
  }

  /** Assessment, and the host directory joining assets, targets, inventories and assessments. */
  private async assessAndHosts(
    catalog: CatalogService,
    inventory: InventoryService,
    discovery: DiscoveryService,
  ): Promise<{ assess: AssessService; hosts: HostService }> {
    const { AssessService } = await import('./assess/assess-service.js');
    const { inventoryFiles } = await import('./assess/inventory-files.js');
    const log = this.log.child('assess');
    const inventories = inventoryFiles(inventory.inventories, log);
    const assess = new AssessService({ catalog, inventories, log });
    this.assess = assess;
    // A finished collection makes the assessment stale at once: the host page must show it.
    inventory.onCollected(() => assess.invalidate());
    const { createHostService } = await import('./hosts/hosts-module.js');
    this.hosts = createHostService(this.config, { discovery, inventory, assess }, this.log.child('hosts'));
    return { assess, hosts: this.hosts };
  }

  private async services(): Promise<Service[]> {
    const store: Service = {
      name: 'store',
      start: async () => {
        await mkdir(this.config.dataDir, { recursive: true, mode: 0o750 });
        await this.store.start();
        const code = await this.auth.prepareSetupCode();
        if (code) {
          this.log.warn('first-run setup: open the web UI and enter this setup code', {
            setupCode: code,
            file: join(this.config.dataDir, SETUP_CODE_FILE),
          });
        }
      },
      stop: () => this.store.stop(),
    };
    if (this.config.cache.enabled) {
      const { CacheModule } = await import('./cache/cache-module.js');
      this.cache = new CacheModule(
        this.config,
        this.log.child('cache'),
        packageVersion(),
        this.metrics.registry,
      );
    }
    const work = { jobs: this.jobs, scheduler: this.scheduler, hostLabel: this.titleName };
    const { createInventoryService } = await import('./inventory/inventory-module.js');
    const inventory = createInventoryService(this.config, this.log.child('inventory'), work);
    this.inventory = inventory;
    const { createDiscoveryService } = await import('./discovery/discovery-module.js');
    const discovery = createDiscoveryService(
      this.config,
      this.store,
      this.log.child('discovery'),
      work,
      this.metrics,
    );
    this.discovery = discovery;
    const { createCatalogService } = await import('./catalog/catalog-module.js');
    const catalog = createCatalogService(
      this.config,
      this.log.child('catalog'),
      packageVersion(),
      this.cache?.service,
      work,
    );
    this.catalog = catalog;
    const { assess, hosts } = await this.assessAndHosts(catalog, inventory, discovery);
    if (this.cache) {
      const { cacheHealth } = await import('./cache/cache-health.js');
      this.health.add(cacheHealth(this.cache, this.config.cache));
    }
    const reports = await this.reportsService(assess);
    const tftp = await this.tftpService(discovery, catalog);
    const deploy = await this.deployService();
    for (const r of [catalog, discovery, inventory, deploy, this.jobs, assess]) if (r) this.health.add(r);
    const api = await this.apiService();
    const web = this.webService();
    const presence = await this.presenceService(discovery);
    // The job runner and the scheduler start before the services that use them and stop after.
    return [
      store,
      this.jobs,
      this.scheduler,
      ...(this.cache ? [this.cache] : []),
      inventory,
      discovery,
      catalog,
      assess,
      hosts,
      reports,
      ...(tftp ? [tftp] : []),
      ...(deploy ? [deploy] : []),
      api,
      web,
      // Last: it announces the ports the listeners above really bound.
      presence,
    ];
  }

  /** Daily compliance snapshots and the remediation ledger, fed by every assessment. */
  private async reportsService(assess: AssessService): Promise<ReportsService> {
    const { ReportsService } = await import('./reports/reports-service.js');
    const { systemTimeZone } = await import('./deploy/site-settings.js');
    this.reports = new ReportsService({
      dataDir: this.config.dataDir,
      settings: this.config.reports,
      timeZone: this.config.deploy.timeZone ?? systemTimeZone(),
      assess,
      scheduler: this.scheduler,
      clock: systemClock,
      log: this.log.child('reports'),
    });
    this.health.add(this.reports);
    return this.reports;
  }

  /** mDNS announcements of the UI and the proxy on the links inside a scope. */
  private async presenceService(discovery: DiscoveryService): Promise<Service> {
    const { createPresenceService } = await import('./presence/presence-module.js');
    this.presence = createPresenceService(
      this.config,
      {
        scopes: () => discovery.scopes(),
        web: () => this.http?.address,
        proxy: () => (this.cache?.proxy?.listening ? this.cache.proxy.address : undefined),
      },
      this.log.child('presence'),
    );
    this.health.add(this.presence);
    return this.presence;
  }

  /** The read-only TFTP server, when configured; its clients default to the discovery scopes. */
  private async tftpService(
    discovery: DiscoveryService,
    catalog: CatalogService,
  ): Promise<Service | undefined> {
    if (!this.config.tftp.enabled) return undefined;
    const { TftpModule } = await import('./tftp/tftp-module.js');
    this.tftp = new TftpModule(
      this.config,
      {
        scopes: () => discovery.scopes(),
        registry: this.metrics.registry,
        firmware: { catalog, cache: this.cache?.service, jobs: this.jobs },
      },
      this.log.child('tftp'),
    );
    this.health.add(this.tftp);
    return this.tftp;
  }

  /** Deployments, as jobs on the job runner, when the host adapters were given. */
  private async deployService(): Promise<DeployService | undefined> {
    let adapters = this.deployAdapters;
    if (!adapters && this.config.deploy.enabled && this.inventory) {
      const { sshDeployAdapters } = await import('./deploy/ssh-adapters.js');
      const { hosts, discovery } = this;
      // Wake-on-LAN needs the host directory (MACs) and the scopes of management.
      const wake = hosts &&
        discovery && { host: (id: string) => hosts.get(id), scopes: () => discovery.scopes() };
      adapters = sshDeployAdapters(this.config, this.inventory, wake || undefined);
    }
    if (!adapters) {
      this.log.debug('deployments are off (deploy.enabled is false, or no inventory service)');
      return undefined;
    }
    const { createDeployService } = await import('./deploy/deploy-module.js');
    const named = { ...adapters, hostLabel: this.titleName, scheduler: this.scheduler };
    this.deploy = createDeployService(this.config, this.log.child('deploy'), this.jobs, named);
    return this.deploy;
  }

  /** The console API (tokens, site key, summary) and /metrics, over every service built before it. */
  private async apiService(): Promise<ApiModule> {
    const { registerServiceMetrics } = await import('./reports/service-metrics.js');
    const { jobs, catalog, assess, deploy } = this;
    registerServiceMetrics(this.metrics.registry, { jobs, catalog, assess, deploy });
    const { ApiModule } = await import('./api/api-module.js');
    this.api = new ApiModule({
      dataDir: this.config.dataDir,
      requestsPerMinute: this.config.api.requestsPerMinute,
      siteName: this.config.site.name,
      version: packageVersion(),
      sources: {
        discovery: this.discovery,
        assess: this.assess,
        catalog: this.catalog,
        cache: this.cache?.service,
        hosts: this.hosts,
        deploy: this.deploy,
        health: this.health,
      },
      audit: this.audit,
      log: this.log.child('api'),
    });
    return this.api;
  }

  /** The UI and API on the HTTP port, over the services built before it (settings included). */
  private webService(): Service {
    return {
      name: 'http',
      start: async () => {
        const live = () => ({ catalog: this.catalog, cache: this.cache, api: this.api });
        this.settings = createSettingsService(this.config, this.configSource, live, this.audit, this.log);
        await this.settings.start();
        const app = createWebApp({
          auth: this.auth,
          audit: this.audit,
          store: this.store,
          metrics: this.metrics,
          log: this.log.child('web'),
          version: packageVersion(),
          secureCookies: this.config.http.secureCookies,
          metricsToken: this.config.http.metricsToken,
          allowedHosts: this.config.http.allowedHosts,
          startedAt: this.startedAt,
          assets: await loadStaticAssets(),
          remoteAddr: (c) => getConnInfo(c).remote.address ?? 'unknown',
          health: this.health,
          cache: this.cache?.service,
          discovery: this.discovery,
          inventory: this.inventory,
          catalog: this.catalog,
          assess: this.assess,
          hosts: this.hosts,
          tftp: this.tftp,
          presence: this.presence,
          reports: this.reports,
          deploy: this.deploy,
          // Groups and policy as config.json has them now: live for each new deployment.
          deploySettings: () => this.settings!.deploySettings(this.config.deploy),
          selfUpdate: selfUpdateView(this.config.selfUpdate),
          backup: {
            dataDir: this.config.dataDir,
            cacheRel: cacheWithin(this.config),
            restart: () => this.restart(),
          },
          api: this.api,
          settings: this.settings,
          jobs: this.jobs,
          scheduler: this.scheduler,
        });
        this.http = new HttpServer({
          host: this.config.http.host,
          port: this.config.http.port,
          fetch: app.fetch,
          log: this.log.child('http'),
        });
        await this.http.start();
      },
      stop: async () => this.http?.stop(),
    };
  }

  async start(): Promise<void> {
    // First, before any service reads or sweeps a file: one daemon per data directory.
    this.lock = await DataDirLock.acquire(this.config.dataDir, 'serve', undefined, this.configSource?.file);
    for (const service of await this.services()) {
      const t0 = performance.now();
      await service.start();
      this.started.push(service);
      this.log.debug('started', { service: service.name, ms: Math.round(performance.now() - t0) });
    }
    this.log.info('Patch Depot running', { dataDir: this.config.dataDir, version: packageVersion() });
    // The first assessment, after /healthz answers: pages show it without waiting for a visit.
    this.assess?.refresh();
  }

  /** Stop every started service in reverse order; rejects if any failed to stop cleanly. */
  async stop(): Promise<void> {
    const failures: string[] = [];
    while (this.started.length) {
      const service = this.started.pop()!;
      try {
        await service.stop();
      } catch (err) {
        failures.push(service.name);
        this.log.error('stop failed', { service: service.name, err });
      }
    }
    await this.lock?.release();
    this.lock = undefined;
    if (failures.length) throw new Error(`services did not stop cleanly: ${failures.join(', ')}`);
  }
}
