/**
 * The inventory service: who to log in to (credentials), how (the appliance key, pinned host
 * keys), and the collections themselves, one host or many at once (as `inventory.collect` jobs,
 * see collect-jobs.ts) with a bounded number of SSH sessions. Each host's last good inventory and
 * its last attempt live in their own files, so one host failing, or the appliance being killed
 * mid-run, never costs another host's data.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { Problem } from '../observability/health.js';
import { RecordDir } from '../store/record-dir.js';
import { type CollectionRun, CollectJobs, newRunId } from './collect-jobs.js';
import { collectInventory, type InventoryParsers } from './collector.js';
import { CredentialStore, type HostCredential, type HostCredentialView } from './credentials.js';
import { ApplianceKeyStore } from './keys.js';
import { algorithmsForKeyType, hostPortKey, type KnownHostEntry, KnownHosts } from './known-hosts.js';
import type { RemoteRunner } from './ports.js';
import { asRemoteError, RemoteError, type RemoteFailure } from './remote-error.js';
import { type HostInventory, hostInventorySchema } from './types.js';

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
  dpkgAdminDir?: string | undefined;
  /** Collect every host this often while running; 0 or absent = only on request. */
  scheduleMs?: number | undefined;
  clock?: () => Date;
  /** Runs collections as jobs (absent in the CLI, which collects one host directly). */
  jobs?: JobRunner | undefined;
  scheduler?: Scheduler | undefined;
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
  readonly inventories: RecordDir<HostInventory>;
  readonly attempts: RecordDir<CollectionAttempt>;
  private readonly clock: () => Date;
  private abort = new AbortController();
  private readonly inFlight = new Map<string, Promise<HostInventory>>();
  private readonly collectJobs: CollectJobs | undefined;

  constructor(private readonly opts: InventoryServiceOptions) {
    this.clock = opts.clock ?? (() => new Date());
    this.keys = new ApplianceKeyStore(join(opts.dir, 'ssh'), opts.log);
    this.knownHosts = new KnownHosts(join(opts.dir, 'known-hosts.json'), opts.log, this.clock);
    this.credentials = new CredentialStore(join(opts.dir, 'credentials.json'), this.clock);
    this.inventories = new RecordDir(join(opts.dir, 'hosts'), (v) => hostInventorySchema.parse(v));
    this.attempts = new RecordDir(join(opts.dir, 'attempts'), (v) => attemptSchema.parse(v));
    this.collectJobs =
      opts.jobs &&
      new CollectJobs(this, opts.jobs, opts.scheduler, {
        concurrency: opts.concurrency,
        everyMs: opts.scheduleMs ?? 0,
        now: () => this.clock().getTime(),
      });
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    await this.inventories.start();
    await this.attempts.start();
    this.collectJobs?.start();
  }

  /** Cut running collections short (they run again at the next start) and direct ones too. */
  async stop(): Promise<void> {
    await this.collectJobs?.stop();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
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
    const startedAt = this.clock().toISOString();
    const log = this.opts.log.child('collect', { host: cred.hostId, runId });
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.abort.signal]) : this.abort.signal;
    const t0 = performance.now();
    try {
      const key = await this.keys.get();
      const pinned = await this.knownHosts.get(cred.address, cred.port);
      const connect = (restrict: boolean) =>
        this.opts.runner.connect(
          {
            host: cred.address,
            port: cred.port,
            username: cred.username,
            privateKey: key.privateKey,
            password: cred.password,
            verifyHostKey: async (hostKey) => {
              await this.knownHosts.verify(cred.address, cred.port, hostKey, {
                acceptFingerprint: opts.acceptHostKey,
              });
            },
            hostKeyAlgorithms: restrict && pinned ? algorithmsForKeyType(pinned.pinned.type) : undefined,
          },
          { timeoutMs: this.opts.connectTimeoutMs, signal },
        );
      // With a pin, ask only for the pinned key's type so negotiation stays stable. A host that
      // no longer has that type gets a second, unrestricted try: its new key then meets the pin
      // check and fails loudly with both fingerprints instead of "no matching host key".
      const restrict = pinned !== undefined && opts.acceptHostKey === undefined;
      const session = await connect(restrict).catch((err: unknown) => {
        if (
          restrict &&
          err instanceof RemoteError &&
          err.kind === 'connect' &&
          /host key/i.test(err.message)
        ) {
          return connect(false);
        }
        throw err;
      });
      let inventory: HostInventory;
      try {
        inventory = await collectInventory(session, cred.hostId, this.opts.parsers, {
          commandTimeoutMs: this.opts.commandTimeoutMs,
          maxOutputBytes: this.opts.maxOutputBytes,
          signal,
          dpkgAdminDir: this.opts.dpkgAdminDir,
          clock: this.clock,
        });
      } finally {
        session.close();
      }
      await this.inventories.put(cred.hostId, inventory);
      await this.recordAttempt({
        hostId: cred.hostId,
        runId,
        startedAt,
        ok: true,
        packages: inventory.packages.length,
      });
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
      }).catch((writeErr: unknown) => log.error('cannot record the failed attempt', { err: writeErr }));
      throw failure;
    }
  }

  private async recordAttempt(a: Omit<CollectionAttempt, 'finishedAt'>): Promise<void> {
    await this.attempts.put(a.hostId, { ...a, finishedAt: this.clock().toISOString() });
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

  /** Every host with credentials, its key pin and its last attempt: what the UI lists. */
  async overview(): Promise<HostOverview[]> {
    const [creds, pins] = await Promise.all([this.credentials.list(), this.knownHosts.all()]);
    return Promise.all(
      creds.map(async (credential) => ({
        credential,
        hostKey: pins[hostPortKey(credential.address, credential.port)],
        attempt: await this.attempts.get(credential.hostId).catch(() => undefined),
      })),
    );
  }

  /** Accept the changed key a host presented (after checking its fingerprint on the console). */
  async acceptHostKey(hostId: string, fingerprint: string): Promise<void> {
    const cred = await this.credentials.get(hostId);
    if (!cred) throw new DepotError('NOT_FOUND', `no credentials stored for ${hostId}`);
    await this.knownHosts.acceptRejected(cred.address, cred.port, fingerprint);
  }

  /** Remove a host's credentials and its key pin; its collected inventory stays for assessment. */
  async removeHost(hostId: string): Promise<void> {
    const old = await this.credentials.delete(hostId);
    if (old) await this.knownHosts.forget(old.address, old.port);
  }
}

export type { RemoteFailure };
