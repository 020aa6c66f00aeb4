/**
 * The console API as a daemon service: API tokens, the site key (made on the first start), the
 * summary publisher and the change feed, over the services the app built. start() loads the
 * tokens and the feed's numbering and opens the key;
 * the web app mounts `routes()` at /api/v1 and the Settings page manages tokens and shows the key.
 */

import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'hono';
import type { AuditLog } from '../auth/audit-log.js';
import { DepotError } from '../errors.js';
import { type Clock, type Service, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { SiteSources } from '../reports/site-summary.js';
import { apiRoutes } from './api-routes.js';
import { ChangeFeed } from './change-feed.js';
import { SiteKey } from './site-key.js';
import { hostDigests, type ListSources } from './site-lists.js';
import { SummaryPublisher } from './summary-publisher.js';
import { TokenService } from './token-service.js';

export interface ApiModuleOptions {
  dataDir: string;
  /** Per token; config api.requestsPerMinute. */
  requestsPerMinute: number;
  /** config site.name; default: the host name. */
  siteName?: string | undefined;
  version: string;
  sources: SiteSources & ListSources;
  /** The audit log served at /api/v1/audit. */
  audit?: Pick<AuditLog, 'after'> | undefined;
  log: Logger;
  clock?: Clock;
}

export class ApiModule implements Service {
  readonly name = 'api';
  readonly tokens: TokenService;
  readonly changes: ChangeFeed;
  private name_: string;
  private started: { key: SiteKey; publisher: SummaryPublisher } | undefined;

  constructor(private readonly opts: ApiModuleOptions) {
    this.name_ = opts.siteName ?? hostname();
    this.tokens = new TokenService({
      file: join(opts.dataDir, 'api', 'tokens.json'),
      requestsPerMinute: opts.requestsPerMinute,
      log: opts.log.child('tokens'),
      clock: opts.clock ?? systemClock,
    });
    this.changes = new ChangeFeed({
      file: join(opts.dataDir, 'api', 'changes.json'),
      source: { digests: () => hostDigests(opts.sources) },
      log: opts.log.child('changes'),
      clock: opts.clock ?? systemClock,
    });
  }

  get siteName(): string {
    return this.name_;
  }

  /** The settings page renamed the site (site.name; unset: the host name): the next summary says so. */
  rename(name: string | undefined): void {
    this.name_ = name ?? hostname();
    if (this.started) this.started = { key: this.started.key, publisher: this.publisher(this.started.key) };
  }

  private publisher(key: SiteKey): SummaryPublisher {
    return new SummaryPublisher({
      sources: this.opts.sources,
      key,
      siteName: this.siteName,
      version: this.opts.version,
      clock: this.opts.clock,
    });
  }

  async start(): Promise<void> {
    await this.tokens.start();
    await this.changes.start();
    const key = await SiteKey.open(this.opts.dataDir, this.opts.log, this.opts.clock);
    this.started = { key, publisher: this.publisher(key) };
  }

  async stop(): Promise<void> {
    await this.changes.stop();
    await this.tokens.stop();
  }

  private get running(): { key: SiteKey; publisher: SummaryPublisher } {
    if (!this.started) throw new DepotError('UNAVAILABLE', 'the site API is starting');
    return this.started;
  }

  get siteKey(): SiteKey {
    return this.running.key;
  }

  get summary(): SummaryPublisher {
    return this.running.publisher;
  }

  /** The /api/v1 routes, for the web app to mount. */
  routes(remoteAddr: (c: Context) => string) {
    const { key, publisher } = this.running;
    return apiRoutes({
      tokens: this.tokens,
      publisher,
      key,
      lists: this.opts.sources,
      changes: this.changes,
      audit: this.opts.audit,
      remoteAddr,
      log: this.opts.log,
      clock: this.opts.clock,
    });
  }
}
