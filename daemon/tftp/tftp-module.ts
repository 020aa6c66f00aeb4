/**
 * The TFTP service as the daemon runs it: the server over the configured root, the allow-list
 * (the configured clients, else the discovery scopes), the transfer log, Prometheus counters and
 * a health problem when the port cannot be bound (port 69 needs CAP_NET_BIND_SERVICE, which the
 * unit grants). Built only when `tftp.enabled` is set.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Counter, type Registry } from 'prom-client';
import { ClientAllowList } from '../address-list.js';
import type { Config } from '../config.js';
import type { Asset } from '../discovery/asset.js';
import type { ScopeTargets } from '../discovery/scope.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { type Clock, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Problem } from '../observability/health.js';
import { type DeviceRow, deviceRows, type FirmwareEntry } from './firmware.js';
import {
  cacheSource,
  type FirmwareCatalog,
  FirmwareStaging,
  type VerifyingCache,
} from './firmware-staging.js';
import { IgnoredClients } from './ignored-clients.js';
import { ScopeClients } from './scope-clients.js';
import { TftpRoot } from './tftp-root.js';
import { type Refusal, TftpServer } from './tftp-server.js';
import { TransferLog, type TransferRecord } from './transfer-log.js';

/** Who the server answers: the configured list, else whoever is inside a discovery scope. */
export type TftpAccess = { by: 'clients'; clients: readonly string[] } | { by: 'scopes'; scopes: number };

export interface TftpModuleDeps {
  scopes: () => readonly ScopeTargets[];
  registry?: Registry;
  clock?: Clock;
  /** Firmware staging from signed manifests through the patch cache (absent in bare tests). */
  firmware?: { catalog: FirmwareCatalog; cache: VerifyingCache | undefined; jobs: JobRunner };
}

export class TftpModule {
  readonly name = 'tftp';
  readonly root: string;
  readonly log: TransferLog;
  /** What is in the root and why: staged firmware and the site's own files. */
  readonly files: TftpRoot;
  readonly staging: FirmwareStaging | undefined;
  /** Addresses that asked but are not allowed to fetch (they got silence). */
  readonly ignored: IgnoredClients;
  private server: TftpServer | undefined;
  private startError: string | undefined;
  private readonly transfers: Counter<'outcome'>;
  private readonly bytes: Counter;
  private readonly refusals: Counter<'reason'>;
  private readonly errors: Counter;

  constructor(
    private readonly config: Config,
    private readonly deps: TftpModuleDeps,
    private readonly logger: Logger,
  ) {
    const c = config.tftp;
    this.root = c.root ?? join(config.dataDir, 'tftp');
    this.log = new TransferLog(config.dataDir, c.keepTransfers, logger);
    const clock = deps.clock ?? systemClock;
    this.ignored = new IgnoredClients(clock);
    this.files = new TftpRoot({
      root: this.root,
      dataDir: config.dataDir,
      maxSiteFileBytes: c.maxSiteFileMB * 1024 * 1024,
      clock,
      log: logger,
      listed: (name) => this.staging?.plan().entries.some((e) => e.name === name) ?? false,
    });
    const fw = deps.firmware;
    this.staging = fw
      ? new FirmwareStaging(this.files, fw.catalog, fw.cache && cacheSource(fw.cache), fw.jobs, logger)
      : undefined;
    const registers = deps.registry ? [deps.registry] : [];
    this.transfers = new Counter({
      name: 'patch_depot_tftp_transfers_total',
      help: 'TFTP read transfers by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.bytes = new Counter({
      name: 'patch_depot_tftp_sent_bytes_total',
      help: 'TFTP DATA bytes sent',
      registers,
    });
    this.refusals = new Counter({
      name: 'patch_depot_tftp_refusals_total',
      help: 'TFTP requests refused, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.errors = new Counter({
      name: 'patch_depot_tftp_error_replies_total',
      help: 'TFTP error packets sent',
      registers,
    });
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** Where devices reach the server, or why they cannot. */
  status(): { listening: true; address: string; port: number } | { listening: false; error: string } {
    if (this.server) return { listening: true, address: this.config.tftp.address, port: this.port };
    return { listening: false, error: this.startError ?? 'starting' };
  }

  access(): TftpAccess {
    const { clients } = this.config.tftp;
    return clients.length ? { by: 'clients', clients } : { by: 'scopes', scopes: this.deps.scopes().length };
  }

  async start(): Promise<void> {
    const c = this.config.tftp;
    await mkdir(this.root, { recursive: true, mode: 0o755 });
    await this.log.start();
    await this.files.start();
    const clients = new ClientAllowList(c.clients);
    const allowed = c.clients.length
      ? (a: string) => clients.allows(a)
      : new ScopeClients(this.deps.scopes).allows;
    const server = new TftpServer({
      root: this.root,
      address: c.address,
      port: c.port,
      allowed,
      limits: {
        maxBlksize: c.maxBlksize,
        maxWindowsize: c.maxWindowsize,
        defaultTimeoutMs: c.timeoutMs,
        giveUpMs: c.giveUpMs,
        maxPerClient: c.maxPerClient,
        maxTransfers: c.maxTransfers,
        errorsPerSecond: c.errorsPerSecond,
      },
      clock: this.deps.clock ?? systemClock,
      log: this.logger,
      events: {
        refused: (reason: Refusal, client: string) => {
          this.refusals.inc({ reason });
          if (reason === 'not-allowed') this.ignored.add(client);
        },
        errorSent: () => this.errors.inc(),
        finished: (r: TransferRecord) => this.finished(r),
      },
    });
    try {
      await server.start();
      this.server = server;
    } catch (err) {
      // The rest of the appliance keeps working; /healthz says why devices cannot fetch.
      this.startError = `TFTP cannot listen on ${c.address}:${c.port}: ${(err as Error).message}`;
      this.logger.error('TFTP server not started', { err });
    }
    await this.staging?.start();
  }

  private finished(r: TransferRecord): void {
    if (r.outcome !== 'refused') this.transfers.inc({ outcome: r.outcome });
    this.bytes.inc(r.bytesSent);
    this.log.add(r);
    if (r.outcome !== 'complete' && r.outcome !== 'refused') {
      this.logger.warn('TFTP transfer failed', {
        client: r.client,
        file: r.file,
        outcome: r.outcome,
        detail: r.detail,
      });
    }
  }

  /** Which devices should fetch which firmware, and whether they did. */
  devices(assets: Iterable<Asset>): DeviceRow[] {
    const entries = this.staging?.plan().entries ?? [];
    const isStaged = (e: FirmwareEntry) => this.files.staged(e.name)?.sha256 === e.sha256;
    return deviceRows(assets, entries, this.log.list(), isStaged);
  }

  health(): Problem[] {
    const problems: Problem[] = this.startError ? [{ source: 'tftp', message: this.startError }] : [];
    const failed = this.files.failures();
    if (failed.length)
      problems.push({
        source: 'tftp',
        message: `${failed.length} firmware file(s) could not be staged for TFTP (${failed[0]?.name}: ${failed[0]?.error}); see Devices`,
      });
    return problems;
  }

  async stop(): Promise<void> {
    await this.staging?.stop();
    await this.server?.stop();
    await this.log.stop();
  }
}
