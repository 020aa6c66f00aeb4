/**
 * Builds the cache from the config: the real upstream (undici, optionally via a parent cache), the
 * cache service and the proxy port, as one service for app.ts with start/stop in order.
 */
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { ClientAllowList } from '../address-list.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { DataDirLock } from '../store/data-dir-lock.js';
import { registerCacheMetrics } from './cache-metrics.js';
import { CacheService } from './cache-service.js';
import { DownloadWindows } from './download-window.js';
import { systemClock } from './ports.js';
import { ProxyServer } from './proxy-server.js';
import { UndiciUpstream } from './undici-upstream.js';
import { UpstreamAllowList } from './url-policy.js';

const MB = 1024 * 1024;

export class CacheModule {
  readonly name = 'cache';
  readonly service: CacheService;
  readonly clients: ClientAllowList;
  readonly upstream: UndiciUpstream;
  proxy: ProxyServer | undefined;
  private readonly root: string;
  private lock: DataDirLock | undefined;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    version: string,
    registry?: Registry,
  ) {
    const c = config.cache;
    const allow = new UpstreamAllowList(c.upstreams);
    this.upstream = new UndiciUpstream({
      connectTimeoutMs: c.connectTimeoutMs,
      headersTimeoutMs: c.headersTimeoutMs,
      idleTimeoutMs: c.idleTimeoutMs,
      parent: c.parent,
      userAgent: `patch-depot/${version}`,
      allow,
    });
    this.clients = new ClientAllowList(c.clients);
    this.root = c.dir ?? join(config.dataDir, 'cache');
    this.service = new CacheService({
      root: this.root,
      upstream: this.upstream,
      clock: systemClock,
      log,
      allow,
      windows: new DownloadWindows(c.windows),
      strictWindows: c.strictWindows,
      quotaBytes: c.quotaMB * MB,
      minFreeBytes: c.minFreeMB * MB,
      rateBytesPerSec: c.wanRateKBps * 1024,
      mutableMaxAgeMs: c.mutableMaxAgeSec * 1000,
      retries: c.retries,
      retryBaseMs: c.retryBaseMs,
      limits: {
        abandonGraceMs: c.abandonGraceSec * 1000,
        minRateBytes: c.minRateBytes,
        rateWindowMs: c.rateWindowSec * 1000,
        maxDurationMs: c.maxDownloadMinutes * 60_000,
      },
      maxIndexBytes: c.maxIndexMB * MB,
    });
    if (registry) registerCacheMetrics(registry, this.service);
  }

  async start(): Promise<void> {
    // The data-dir lock does not cover a cache.dir outside the data directory: a second daemon
    // sharing it would sweep tmp/ (the downloads in flight) and rewrite the index under the first.
    this.lock = await DataDirLock.acquire(this.root, 'cache', 'cache.dir');
    try {
      await this.service.start();
    } catch (err) {
      await this.releaseLock();
      throw err;
    }
    const p = this.config.cache.proxy;
    if (!p.enabled) return;
    this.proxy = new ProxyServer({
      host: p.host ?? this.config.http.host,
      port: p.port,
      cache: this.service,
      clients: this.clients,
      log: this.log.child('proxy'),
    });
    await this.proxy.start();
    this.service.proxyPort = this.proxy.address?.port;
    this.service.proxyHost = this.proxy.address?.address;
  }

  /** The settings the page may change while running: upstreams, WAN rate, windows, clients. */
  reconfigure(c: Config['cache']): void {
    const s = this.service.opts;
    s.allow.replace(c.upstreams);
    s.windows.replace(c.windows);
    s.strictWindows = c.strictWindows;
    s.rateBytesPerSec = c.wanRateKBps * 1024;
    this.service.bucket.setRate(s.rateBytesPerSec);
    this.clients.replace(c.clients);
  }

  async stop(): Promise<void> {
    await this.proxy?.stop();
    await this.service.stop();
    await this.upstream.close();
    await this.releaseLock();
  }

  private async releaseLock(): Promise<void> {
    await this.lock?.release();
    this.lock = undefined;
  }
}
