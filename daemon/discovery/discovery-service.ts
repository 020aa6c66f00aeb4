/**
 * Discovery as a daemon service: scopes (in the state file), scans on demand and on each scope's
 * schedule (as `discovery.scan` jobs, see scan-jobs.ts: one at a time, the job id in logs and UI),
 * live progress, and the asset list the web layer pages through. Constructor stores dependencies;
 * start() loads; stop() cuts a running scan short (it runs again at the next start) and flushes.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { DepotError } from '../errors.js';
import { JobAbort, type JobContext, type JobRecord, type JobResult } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { dateOf } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Problem } from '../observability/health.js';
import type { StateStore } from '../store/state-store.js';
import type { Asset } from './asset.js';
import {
  type AssetCounts,
  type AssetPage,
  type AssetQuery,
  countAssets,
  queryAssets,
  type ReportedName,
} from './asset-query.js';
import { AssetStore } from './asset-store.js';
import { formatIpv4 } from './ipv4.js';
import { mergeScan } from './merge.js';
import type { DiscoveryPorts, LocalSubnet } from './ports.js';
import { ScanJobs, scanParams } from './scan-jobs.js';
import { ScanLog, type ScanRecord } from './scan-log.js';
import { type Observation, runScan, type ScanSettings } from './scanner.js';
import { expandScope, validateScope } from './scope.js';
import type { ScopeInput, ScopeRecord } from './scope-record.js';

export type DiscoveryConfig = Config['discovery'];

export const scanSettingsFrom = (c: DiscoveryConfig): ScanSettings => ({
  packetsPerSecond: c.packetsPerSecond,
  concurrency: c.concurrency,
  icmpTimeoutMs: c.icmpTimeoutMs,
  icmpRetries: c.icmpRetries,
  tcpTimeoutMs: c.tcpTimeoutMs,
  ports: c.ports,
  livenessPorts: c.livenessPorts,
  mdns: c.mdns,
  mdnsWindowMs: c.mdnsWindowMs,
  reverseDns: c.reverseDns,
  enrichTimeoutMs: c.enrichTimeoutMs,
});

const newId = (prefix: string, now: Date): string =>
  `${prefix}-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

export interface DiscoveryServiceOptions {
  dataDir: string;
  config: DiscoveryConfig;
  store: StateStore;
  ports: DiscoveryPorts;
  log: Logger;
  jobs: JobRunner;
  /** Runs scopes' scheduled scans (when config.schedule is on). */
  scheduler?: Scheduler | undefined;
}

export class DiscoveryService {
  readonly name = 'discovery';
  readonly assets: AssetStore;
  private readonly scans: ScanLog;
  private readonly scanJobs: ScanJobs;
  private running: ScanRecord | undefined;
  /** A look at the running scan's findings so far. */
  private peek: (() => Observation[]) | undefined;
  private readonly assetListeners = new Set<(changed: readonly Asset[]) => Promise<void> | void>();

  constructor(private readonly opts: DiscoveryServiceOptions) {
    const dir = `${opts.dataDir}/discovery`;
    this.assets = new AssetStore(dir, opts.config.writeDebounceMs, opts.log.child('assets'));
    this.scans = new ScanLog(dir, opts.log.child('scans'));
    this.scanJobs = new ScanJobs(this, opts.jobs, opts.config.schedule ? opts.scheduler : undefined);
  }

  private now(): Date {
    return dateOf(this.opts.ports.clock);
  }

  async start(): Promise<void> {
    await this.assets.start();
    await this.scans.start();
    await this.opts.ports.mdns.start?.();
    this.scanJobs.start();
  }

  async stop(): Promise<void> {
    await this.scanJobs.stop();
    await this.opts.ports.mdns.stop?.();
    await this.assets.stop();
  }

  // ---- scopes -------------------------------------------------------------------------------

  get maxScopeAddresses(): number {
    return this.opts.config.maxScopeAddresses;
  }

  scopes(): readonly ScopeRecord[] {
    return this.opts.store.data.discovery.scopes;
  }

  scope(id: string): ScopeRecord {
    const s = this.scopes().find((x) => x.id === id);
    if (!s) throw new DepotError('NOT_FOUND', `no scope ${id}`);
    return s;
  }

  async createScope(input: ScopeInput): Promise<ScopeRecord> {
    validateScope(input, this.maxScopeAddresses);
    const now = this.now();
    const record: ScopeRecord = {
      id: newId('scope', now),
      ...input,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      lastScanAt: null,
      lastScanId: null,
    };
    await this.opts.store.update((s) => {
      s.discovery.scopes.push(record);
    });
    this.scanJobs.reschedule();
    this.opts.log.info('scope created', {
      scopeId: record.id,
      include: record.include,
      exclude: record.exclude,
    });
    return record;
  }

  async updateScope(id: string, input: ScopeInput): Promise<void> {
    this.scope(id);
    validateScope(input, this.maxScopeAddresses);
    await this.opts.store.update((s) => {
      const target = s.discovery.scopes.find((x) => x.id === id);
      if (target) Object.assign(target, input, { updatedAt: this.now().toISOString() });
    });
    this.scanJobs.reschedule();
  }

  async deleteScope(id: string): Promise<void> {
    this.scope(id);
    await this.opts.store.update((s) => {
      s.discovery.scopes = s.discovery.scopes.filter((x) => x.id !== id);
    });
    this.scanJobs.reschedule();
  }

  /**
   * Directly connected subnets not yet covered by a scope: offered, never scanned unasked. The
   * default route's subnet is left out when there are others: it is the way out (the WAN link),
   * not a LAN; on a one-legged appliance it is the LAN and stays.
   */
  suggestions(): LocalSubnet[] {
    const known = new Set(this.scopes().flatMap((s) => s.include));
    return this.lanSide().lan.filter((s) => !known.has(s.cidr));
  }

  /** The subnets of the default route left out of the suggestions (said on the Scopes page). */
  uplinks(): LocalSubnet[] {
    return this.lanSide().uplinks;
  }

  private lanSide(): { lan: LocalSubnet[]; uplinks: LocalSubnet[] } {
    const all = this.opts.ports.interfaces.connectedSubnets();
    const lan = all.filter((s) => !s.defaultRoute);
    return lan.length ? { lan, uplinks: all.filter((s) => s.defaultRoute) } : { lan: all, uplinks: [] };
  }

  // ---- scans --------------------------------------------------------------------------------

  /** The scan running now, else one waiting to run, else the last one. */
  /**
   * What the running scan has found so far and is not yet in the asset list (merged when the scan
   * ends), by address; empty when no scan runs.
   */
  foundSoFar(): Observation[] {
    const known = new Set([...this.assets.all()].map((a) => a.ip));
    return (this.peek?.() ?? []).filter((o) => !known.has(o.ip));
  }

  current(): ScanRecord | undefined {
    const pending = this.scanJobs.pending();
    const waiting = pending && !this.scans.get(pending.id) ? this.waitingScan(pending) : undefined;
    return this.running ?? waiting ?? this.scans.list()[0];
  }

  history(): readonly ScanRecord[] {
    return this.scans.list();
  }

  scanRecord(id: string): ScanRecord | undefined {
    return this.scans.get(id);
  }

  /** Submit a scan of a saved scope; resolves with its record (its id is the job id). */
  async startScan(scopeId: string, trigger: ScanRecord['trigger'] = 'manual'): Promise<ScanRecord> {
    expandScope(this.scope(scopeId), this.maxScopeAddresses);
    return this.waitingScan(await this.scanJobs.request(scopeId, trigger));
  }

  /** How a scan job that has not started its scan yet shows on the Assets page. */
  private waitingScan(job: JobRecord): ScanRecord {
    // A record is input like any other: one that does not parse shows as a scan of its raw scope.
    const p = scanParams.safeParse(job.params);
    const { scopeId, trigger } = p.success
      ? p.data
      : { scopeId: String(job.params.scopeId), trigger: 'manual' as const };
    return this.newScan(job.id, scopeId, trigger, job.createdAt);
  }

  private newScan(
    id: string,
    scopeId: string,
    trigger: ScanRecord['trigger'],
    startedAt: string,
  ): ScanRecord {
    const scope = this.scopes().find((s) => s.id === scopeId);
    const addresses = scope ? expandScope(scope, this.maxScopeAddresses).length : 0;
    return {
      id,
      scopeId,
      scopeName: scope?.name ?? scopeId,
      trigger,
      startedAt,
      finishedAt: null,
      durationMs: null,
      status: 'running',
      addresses,
      progress: { phase: 'icmp', done: 0, total: addresses, alive: 0 },
      counts: null,
      error: null,
    };
  }

  /** Cancel the scan waiting or running. */
  cancelScan(): Promise<void> {
    return this.scanJobs.cancel();
  }

  /** Wait for the scan waiting or running (tests, CLI). */
  idle(): Promise<void> {
    return this.scanJobs.idle();
  }

  /** The last scan failed: the asset list may be out of date. */
  health(): Problem[] {
    const last = this.scans.list().find((s) => s.status !== 'running');
    if (last?.status !== 'failed') return [];
    return [
      {
        source: 'discovery',
        message: `the last scan (${last.id} of ${last.scopeName}) failed: ${last.error}`,
      },
    ];
  }

  /** The `discovery.scan` job's work: scan the scope, merge into the assets, record the scan. */
  async runScan(
    jobId: string,
    scope: ScopeRecord,
    trigger: ScanRecord['trigger'],
    ctx: JobContext,
  ): Promise<JobResult> {
    const addresses = expandScope(scope, this.maxScopeAddresses);
    const record = this.newScan(jobId, scope.id, trigger, this.now().toISOString());
    this.running = record;
    await this.scans.put(record);
    await this.execute(record, scope, addresses, ctx);
    if (record.status !== 'done') throw new Error(record.error ?? `scan ${record.status}`);
    const c = record.counts!;
    return {
      summary: `${c.found} found, ${c.new} new, ${c.offline} went offline, ${c.ipChanged} changed address`,
      data: { ...c },
    };
  }

  private async execute(record: ScanRecord, scope: ScopeRecord, addresses: number[], ctx: JobContext) {
    const { signal } = ctx;
    const log = ctx.tee(
      this.opts.log.child('scan', { scanId: record.id, jobId: record.id, scopeId: scope.id }),
    );
    const t0 = performance.now();
    log.info('scan started', { addresses: addresses.length, trigger: record.trigger });
    try {
      const observations = await runScan(
        addresses,
        this.opts.ports,
        scanSettingsFrom(this.opts.config),
        (p) => {
          record.progress = p;
          ctx.progress({ done: p.done, total: p.total, message: p.phase });
        },
        signal,
        (message, err) => log.warn(message, { err }),
        (peek) => {
          this.peek = peek;
        },
      );
      const scanned = new Set(addresses.map(formatIpv4));
      const merged = mergeScan(this.assets, observations, scanned, record.id, this.now());
      // The end of a scan is the natural write point: one durable write now, no debounce wait.
      await Promise.all([this.assets.apply(merged.changed, merged.removed), this.assets.flush()]);
      // The scan ends once its listeners are done: a table reloaded at "done" sees their work too.
      for (const listener of this.assetListeners) await listener(merged.changed);
      record.counts = merged.counts;
      record.status = 'done';
      log.info('scan finished', { ...merged.counts, ms: Math.round(performance.now() - t0) });
    } catch (err) {
      const reason: unknown = signal.reason;
      record.status = !signal.aborted
        ? 'failed'
        : reason instanceof JobAbort && reason.why === 'stop'
          ? 'interrupted'
          : 'cancelled';
      record.error = err instanceof Error ? err.message : String(err);
      log[signal.aborted ? 'info' : 'error'](`scan ${record.status}`, { err });
    } finally {
      record.finishedAt = this.now().toISOString();
      record.durationMs = Math.round(performance.now() - t0);
      this.running = undefined;
      this.peek = undefined;
      await this.scans.put(record);
      await this.opts.store
        .update((s) => {
          const target = s.discovery.scopes.find((x) => x.id === scope.id);
          if (target) Object.assign(target, { lastScanAt: record.startedAt, lastScanId: record.id });
        })
        .catch((err: unknown) => log.error('could not record the scan on its scope', { err }));
    }
  }

  // ---- assets -------------------------------------------------------------------------------

  /** Called with the assets a scan changed, once they are on disk (the host directory follows). */
  onAssetsChanged(listener: (changed: readonly Asset[]) => Promise<void> | void): () => void {
    this.assetListeners.add(listener);
    return () => this.assetListeners.delete(listener);
  }

  /** How many assets there are, online and new (see `countAssets`). */
  counts(): AssetCounts {
    return countAssets(this.assets.all());
  }

  query(q: AssetQuery, reported?: ReportedName): AssetPage {
    return queryAssets(this.assets.all(), (id) => this.assets.haystack(id), q, reported);
  }

  /** Every asset, for views that join them with something else (network devices). */
  allAssets(): Asset[] {
    return [...this.assets.all()];
  }

  asset(id: string): Asset {
    const a = this.assets.byId(id);
    if (!a) throw new DepotError('NOT_FOUND', `no asset ${id}`);
    return a;
  }

  private vendorCache: { version: number; list: string[] } | undefined;
  vendors(): string[] {
    if (this.vendorCache?.version !== this.assets.version) {
      const set = new Set<string>();
      for (const a of this.assets.all()) if (a.vendor) set.add(a.vendor);
      this.vendorCache = { version: this.assets.version, list: [...set].sort() };
    }
    return this.vendorCache.list;
  }

  async editAsset(id: string, edit: { tags: string[]; notes: string }): Promise<Asset> {
    const a = structuredClone(this.asset(id));
    a.tags = [...new Set(edit.tags.map((t) => t.trim()).filter(Boolean))].slice(0, 32);
    a.notes = edit.notes.slice(0, 4000);
    a.events.push({
      at: this.now().toISOString(),
      scanId: null,
      kind: 'edited',
      detail: 'tags/notes edited',
    });
    await this.assets.apply([a]);
    return a;
  }

  /** Clear the "new device" flag of one asset, or of all. */
  async acknowledge(id: string | 'all'): Promise<number> {
    const targets = id === 'all' ? [...this.assets.all()].filter((a) => a.isNew) : [this.asset(id)];
    const changed = targets.map((a) => ({ ...a, isNew: false }));
    if (changed.length) await this.assets.apply(changed);
    return changed.length;
  }
}
