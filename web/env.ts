/** The typed Hono environment shared by every web route. */
import type { ApiModule } from '../daemon/api/api-module.js';
import type { AssessService } from '../daemon/assess/assess-service.js';
import type { AuditLog } from '../daemon/auth/audit-log.js';
import type { AuthService } from '../daemon/auth/auth-service.js';
import type { CacheService } from '../daemon/cache/cache-service.js';
import type { CatalogService } from '../daemon/catalog/catalog-service.js';
import type { DeployService } from '../daemon/deploy/deploy-service.js';
import type { DeploySettings } from '../daemon/deploy/site-settings.js';
import type { DiscoveryService } from '../daemon/discovery/discovery-service.js';
import type { HostService } from '../daemon/hosts/host-service.js';
import type { InventoryService } from '../daemon/inventory/inventory-service.js';
import type { JobRunner } from '../daemon/jobs/job-runner.js';
import type { Scheduler } from '../daemon/jobs/scheduler.js';
import type { Logger } from '../daemon/log.js';
import type { Problem } from '../daemon/observability/health.js';
import type { PresenceStatus } from '../daemon/presence/presence-service.js';
import type { Metrics } from '../daemon/reports/metrics.js';
import type { ReportsService } from '../daemon/reports/reports-service.js';
import type { SelfUpdateView } from '../daemon/self-update/status.js';
import type { SettingsService } from '../daemon/settings/settings-service.js';
import type { Role } from '../daemon/store/schema.js';
import type { StateStore } from '../daemon/store/state-store.js';
import type { TftpModule } from '../daemon/tftp/tftp-module.js';

/** What the web layer may use: services, never files. */
export interface WebDeps {
  auth: AuthService;
  /** Backup and restore of the data directory; `restart` says whether systemd brings the daemon back. */
  backup?: { dataDir: string; cacheRel?: string | undefined; restart(): boolean } | undefined;
  /** The audit log of changes (default: audit.jsonl beside the state file). */
  audit?: AuditLog | undefined;
  store: StateStore;
  metrics: Metrics;
  log: Logger;
  version: string;
  secureCookies: boolean;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  /** Extra host names the UI answers to (DNS-rebinding guard); IPs, localhost and the host name always work. */
  allowedHosts?: readonly string[] | undefined;
  startedAt: Date;
  /** The package cache (absent when cache.enabled is false). */
  cache?: CacheService | undefined;
  /** Network discovery: scopes, scans, assets. */
  discovery?: DiscoveryService | undefined;
  /** Agentless SSH inventory: credentials, appliance key, collections. */
  inventory?: InventoryService | undefined;
  /** Vendor feeds: snapshots, sync schedule and history, offline bundles. */
  catalog?: CatalogService | undefined;
  /** Missing fixes per host and site compliance. */
  assess?: AssessService | undefined;
  /** One id per machine: the host page, links from every other page, SSH access by machine. */
  hosts?: HostService | undefined;
  /** Deployments; absent while no SSH executor is configured (the pages say so). */
  deploy?: DeployService | undefined;
  /**
   * The site's standing deployment settings (groups, rings, windows) as in use now: placement and
   * policy of a new deployment. A function: saving them on the settings page applies at once.
   */
  deploySettings?: (() => Promise<DeploySettings>) | undefined;
  /** The TFTP server and firmware for network devices (absent when tftp.enabled is false). */
  tftp?: TftpModule | undefined;
  /** Every scan, collection and sync as a job: the Activity page. */
  jobs?: JobRunner | undefined;
  /** Periodic tasks and their next runs. */
  scheduler?: Scheduler | undefined;
  /** mDNS announcements: where the appliance is announced, under which name. */
  presence?: { status(): PresenceStatus } | undefined;
  /** Compliance history and the remediation ledger (Reports). */
  reports?:
    | Pick<ReportsService, 'history' | 'ledger' | 'settings' | 'version' | 'timeZone' | 'settled'>
    | undefined;
  /** The console API (/api/v1), its tokens and the site key; absent in tests that do not need it. */
  api?: ApiModule | undefined;
  /** The appliance's self-update: its settings and the updater's last run (Settings page). */
  selfUpdate?: SelfUpdateView | undefined;
  /** The settings page: config.json read, checked, written and applied (absent in most tests). */
  settings?: SettingsService | undefined;
  /** What every service reports as wrong: /healthz and the dashboard show the same reasons. */
  health?: { problems(): Promise<Problem[]> } | undefined;
}

export type WebEnv = {
  Variables: {
    /** CSRF token for forms and htmx requests of this browser. */
    csrf: string;
    remoteAddr: string;
    /** The signed-in account (set by the session gate), absent before sign-in. */
    user?: { name: string; role: Role };
  };
};
