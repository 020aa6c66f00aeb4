/**
 * The inventory service: who to log in to (credentials), how (the appliance key, pinned host
 * keys), and the collections themselves, one host or many at once (as `inventory.collect` jobs,
 * see collect-jobs.ts) with a bounded number of SSH sessions. Each host's last good inventory and
 * its last attempt live in their own files, so one host failing, or the appliance being killed
 * mid-run, never costs another host's data.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { inAddressOrder } from '../discovery/ipv4.js';
import { DepotError } from '../errors.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Problem } from '../observability/health.js';
import { CredentialStore, type HostCredential, type HostCredentialView } from '../remote/credentials.js';
import { ApplianceKeyStore } from '../remote/keys.js';
import { algorithmsForKeyType, hostPortKey, type KnownHostEntry, KnownHosts } from '../remote/known-hosts.js';
import type { RemoteRunner, RemoteSession } from '../remote/ports.js';
import { asRemoteError, RemoteError, type RemoteFailure } from '../remote/remote-error.js';
import { RecordDir } from '../store/record-dir.js';
import { type CollectionRun, CollectJobs, newRunId } from './collect-jobs.js';
import { collectInventory, type InventoryParsers } from './collector.js';
import { InventoryRecords } from './inventory-records.js';
import { followTarget, rekeyTarget, targetIds } from './target-identity.js';
import type { HostInventory } from './types.js';

export interface InventoryServiceOptions {
  /** Root for keys, pins, credentials and per-host files (`<dataDir>/inventory`). */
  dir: string;
  runner: RemoteRunner;
  parsers: InventoryParsers;
  log: Logger;
  concurrency: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxOutputBytes: number;
  /** A host with more installed packages is refused (`inventory.maxPackages`). */
  maxPackages: number;
  dpkgAdminDir?: string | undefined;
  /** Collect every host this often while running; 0 or absent = only on request. */
  scheduleMs?: number | undefined;
  clock?: Clock;
  /** Runs collections as jobs (absent in the CLI, which collects one host directly). */
  jobs?: JobRunner | undefined;
  scheduler?: Scheduler | undefined;
  /** How people name a host in job titles (the host directory's label, built after this service). */
  hostLabel?: ((hostId: string) => string | undefined) | undefined;
}

const attemptSchema = z
  .object({
    hostId: z.string(),
    runId: z.string(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    ok: z.boolean(),
    failure: z.string().optional(),
    error: z.string().optional(),
    packages: z.number().int().optional(),
    /** Where the host was reached: with the pinned key, the witness that a moved host is still itself. */
    address: z.string().optional(),
  })
  .strict();
/** The last collection attempt of a host, kept apart from its last good inventory. */
export type CollectionAttempt = z.infer<typeof attemptSchema>;

export type { CollectionRun, HostRunState } from './collect-jobs.js';

export interface HostOverview {
  credential: HostCredentialView;
  hostKey: KnownHostEntry | undefined;
  attempt: CollectionAttempt | undefined;
}

export interface CollectOptions {
  runId?: string;
  /** Replace a pinned host key if the host now presents exactly this fingerprint. */
  acceptHostKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

export class InventoryService {
  readonly name = 'inventory';
  readonly keys: ApplianceKeyStore;
  readonly knownHosts: KnownHosts;
  readonly credentials: CredentialStore;
  readonly inventories: InventoryRecords;
  readonly attempts: RecordDir<CollectionAttempt>;
  private readonly clock: Clock;
  private abort = new AbortController();
  private readonly inFlight = new Map<string, Promise<HostInventory>>();
  private readonly collectedListeners = new Set<(hostId: string, inventory: HostInventory) => void>();
  private readonly collectJobs: CollectJobs | undefined;
  private migration: Promise<void> = Promise.resolve();

  constructor(private readonly opts: InventoryServiceOptions) {
    this.clock = opts.clock ?? systemClock;
    this.keys = new ApplianceKeyStore(join(opts.dir, 'ssh'), opts.log);
    this.knownHosts = new KnownHosts(join(opts.dir, 'known-hosts.json'), opts.log, this.clock);
    this.credentials = new CredentialStore(join(opts.dir, 'credentials.json'), this.clock);
    this.inventories = new InventoryRecords(join(opts.dir, 'hosts'));
    this.attempts = new RecordDir(join(opts.dir, 'attempts'), (v) => attemptSchema.parse(v));
    this.collectJobs =
      opts.jobs &&
      new CollectJobs(this, opts.jobs, opts.scheduler, {
        concurrency: opts.concurrency,
        everyMs: opts.scheduleMs ?? 0,
        clock: this.clock,
        hostLabel: opts.hostLabel,
      });
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    await this.inventories.start();
    await this.attempts.start();
    this.migration = this.migrateInventories(this.abort.signal);
    // Pins used to be keyed by address:port; they follow their host's id now.
    const creds = await this.credentials.list();
    await this.knownHosts.adopt(creds.map((c) => [hostPortKey(c.address, c.port), c.hostId] as const));
    this.collectJobs?.start();
  }

  /** Called after every successful collection (assessment refreshes, the host page shows it). */
  onCollected(listener: (hostId: string, inventory: HostInventory) => void): () => void {
    this.collectedListeners.add(listener);
    return () => this.collectedListeners.delete(listener);
  }

  /** Cut running collections short (they run again at the next start) and direct ones too. */
  async stop(): Promise<void> {
    await this.collectJobs?.stop();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values(), this.migration]);
  }

  /**
   * Inventories of older versions are rewritten in the current form, and a grown package table
   * replaced (inventory-records.ts), in the background: they read as they are meanwhile, and
   * start-up does not wait for thousands of rewrites.
   */
  private async migrateInventories(signal: AbortSignal): Promise<void> {
    try {
      const { migrated, unreadable } = await this.inventories.migrate(signal);
      if (migrated) this.opts.log.info('inventories rewritten in the current form', { migrated });
      if (unreadable.length)
        this.opts.log.warn('inventories left as they are: they do not parse', {
          hosts: unreadable.slice(0, 20),
        });
    } catch (err) {
      this.opts.log.error('inventory migration stopped; the plain files still read', { err });
    }
  }

  /** When the next scheduled collection of every host starts (undefined: no schedule). */
  get nextScheduledAt(): Date | undefined {
    return this.collectJobs?.nextScheduledAt();
  }

  /**
   * Collect one host with explicit credentials (stored or given on the command line), save its
   * inventory and the attempt. Throws a RemoteError when the host could not be collected.
   */
  collect(cred: HostCredential, opts: CollectOptions = {}): Promise<HostInventory> {
    // A second request for a host being collected (a double click, a schedule overlapping a
    // manual run) shares the first one's result instead of opening another session.
    const running = this.inFlight.get(cred.hostId);
    if (running && opts.acceptHostKey === undefined) return running;
    const work = this.collectNow(cred, opts).finally(() => {
      if (this.inFlight.get(cred.hostId) === work) this.inFlight.delete(cred.hostId);
    });
    this.inFlight.set(cred.hostId, work);
    return work;
  }

  private async collectNow(cred: HostCredential, opts: CollectOptions): Promise<HostInventory> {
    const runId = opts.runId ?? newRunId();
    const startedAt = dateOf(this.clock).toISOString();
    const log = this.opts.log.child('collect', { host: cred.hostId, runId });
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.abort.signal]) : this.abort.signal;
    const t0 = performance.now();
    try {
      const session = await this.openSession(cred, opts.acceptHostKey, signal);
      let inventory: HostInventory;
      try {
        inventory = await collectInventory(session, cred.hostId, this.opts.parsers, {
          commandTimeoutMs: this.opts.commandTimeoutMs,
          maxOutputBytes: this.opts.maxOutputBytes,
          maxPackages: this.opts.maxPackages,
          signal,
          dpkgAdminDir: this.opts.dpkgAdminDir,
          clock: this.clock,
        });
      } finally {
        session.close();
      }
      await this.inventories.put(cred.hostId, inventory);
      // A table grown far past what the hosts have: replace it now, not at the next start.
      if (this.inventories.grown() && !this.abort.signal.aborted)
        this.migration = this.migrateInventories(this.abort.signal);
      await this.recordAttempt({
        hostId: cred.hostId,
        runId,
        startedAt,
        ok: true,
        packages: inventory.packages.length,
        address: cred.address,
      });
      for (const listener of this.collectedListeners) {
        try {
          listener(cred.hostId, inventory);
        } catch (err) {
          log.error('a collection listener failed', { err });
        }
      }
      log.info('inventory collected', {
        packages: inventory.packages.length,
        os: inventory.os.id,
        ms: Math.round(performance.now() - t0),
      });
      return inventory;
    } catch (err) {
      const failure = asRemoteError(err);
      log.warn('inventory failed', { failure: failure.kind, err: failure });
      await this.recordAttempt({
        hostId: cred.hostId,
        runId,
        startedAt,
        ok: false,
        failure: failure.kind,
        error: failure.message,
        address: cred.address,
      }).catch((writeErr: unknown) => log.error('cannot record the failed attempt', { err: writeErr }));
      throw failure;
    }
  }

  /** Log in to a host with its stored credentials (deployment's executors use this). */
  openSessionFor(cred: HostCredential, signal?: AbortSignal): Promise<RemoteSession> {
    return this.openSession(cred, undefined, signal ?? this.abort.signal);
  }

  /**
   * Log in to a host, its key checked against the pin filed under its host id (wherever the host
   * answers now) before any credential is sent.
   */
  private async openSession(
    cred: HostCredential,
    acceptHostKey: string | undefined,
    signal: AbortSignal,
  ): Promise<RemoteSession> {
    const key = await this.keys.get();
    const pinned = await this.knownHosts.get(cred.hostId);
    const label = hostPortKey(cred.address, cred.port);
    const connect = (restrict: boolean) =>
      this.opts.runner.connect(
        {
          host: cred.address,
          port: cred.port,
          username: cred.username,
          privateKey: key.privateKey,
          password: cred.password,
          verifyHostKey: async (hostKey) => {
            await this.knownHosts.verify(cred.hostId, hostKey, { acceptFingerprint: acceptHostKey, label });
          },
          hostKeyAlgorithms: restrict && pinned ? algorithmsForKeyType(pinned.pinned.type) : undefined,
        },
        { timeoutMs: this.opts.connectTimeoutMs, signal },
      );
    // With a pin, ask only for the pinned key's type so negotiation stays stable. A host that
    // no longer has that type gets a second, unrestricted try: its new key then meets the pin
    // check and fails loudly with both fingerprints instead of "no matching host key".
    const restrict = pinned !== undefined && acceptHostKey === undefined;
    return connect(restrict).catch((err: unknown) => {
      if (restrict && err instanceof RemoteError && err.kind === 'connect' && /host key/i.test(err.message)) {
        return connect(false);
      }
      throw err;
    });
  }

  private async recordAttempt(a: Omit<CollectionAttempt, 'finishedAt'>): Promise<void> {
    await this.attempts.put(a.hostId, { ...a, finishedAt: dateOf(this.clock).toISOString() });
  }

  private need(): CollectJobs {
    if (!this.collectJobs)
      throw new DepotError('UNAVAILABLE', 'background collections run only in the daemon');
    return this.collectJobs;
  }

  /** Collect hosts with stored credentials as jobs, one per host; returns the run to follow. */
  async startRun(
    hostIds?: string[],
    opts: Pick<CollectOptions, 'acceptHostKey'> & { trigger?: string } = {},
  ): Promise<CollectionRun> {
    return this.need().startRun(hostIds, opts);
  }

  getRun(id: string): CollectionRun | undefined {
    return this.collectJobs?.getRun(id);
  }

  /** The newest run that is still going, to show its progress when the page is opened. */
  activeRun(): CollectionRun | undefined {
    return this.collectJobs?.activeRun();
  }

  /** Hosts whose changed SSH key waits for an administrator: nothing is collected from them. */
  async health(): Promise<Problem[]> {
    const pins = await this.knownHosts.all();
    return Object.entries(pins)
      .filter(([, e]) => e.rejected)
      .map(([hostPort, e]) => ({
        source: 'inventory',
        message: `${hostPort} presented a new host key (${e.rejected!.fingerprint}); collections stop until an administrator accepts it on the Inventory page`,
      }));
  }

  /**
   * Every host with credentials, its key pin and its last attempt: what the UI lists, in address
   * order (as Assets lists them), not in the order of the internal host ids.
   */
  async overview(): Promise<HostOverview[]> {
    const [creds, pins] = await Promise.all([this.credentials.list(), this.knownHosts.all()]);
    return Promise.all(
      inAddressOrder(creds, (c) => c.address).map(async (credential) => ({
        credential,
        hostKey: pins[credential.hostId],
        attempt: await this.attempts.get(credential.hostId).catch(() => undefined),
      })),
    );
  }

  /** Accept the changed key a host presented (after checking its fingerprint on the console). */
  async acceptHostKey(hostId: string, fingerprint: string): Promise<void> {
    const cred = await this.credentials.get(hostId);
    if (!cred) throw new DepotError('NOT_FOUND', `no credentials stored for ${hostId}`);
    await this.knownHosts.acceptRejected(cred.hostId, fingerprint);
  }

  /** Ids with a target, an inventory or an attempt on file (the host directory adopts old ones). */
  targetIds(): Promise<string[]> {
    return targetIds(this);
  }

  /** File everything known about a host under a new id. */
  rekeyHost(from: string, to: string): Promise<void> {
    return rekeyTarget(this, from, to);
  }

  /** Point a host's target at its new address when it pointed at the old one (DHCP moved it). */
  followHost(hostId: string, from: string, to: string): Promise<boolean> {
    return followTarget(this.credentials, hostId, from, to);
  }

  /** Remove a host's credentials and its key pin; its collected inventory stays for assessment. */
  async removeHost(hostId: string): Promise<void> {
    const old = await this.credentials.delete(hostId);
    if (old) await this.knownHosts.forget(old.hostId);
  }
}

export type { RemoteFailure };
