/**
 * Inventory collections as jobs: one `inventory.collect` job per host (never two on one host at
 * once, at most `concurrency` SSH sessions; a collection cut short by a stop or a crash runs
 * again), a run being the jobs submitted together, and the schedule entry that collects every
 * host each interval. Runs are job records, so they survive a restart.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isFinished, type JobRecord, type JobState } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Clock } from '../lifecycle.js';
import type { HostCredential } from '../remote/credentials.js';
import type { HostInventory } from './types.js';

export const INVENTORY_COLLECT = 'inventory.collect';

const collectParams = z.object({ hostId: z.string(), acceptHostKey: z.string().optional() });

export type HostRunState = 'queued' | 'running' | 'ok' | 'failed';
export interface CollectionRun {
  id: string;
  startedAt: string;
  finishedAt?: string;
  hosts: Map<string, { state: HostRunState; error?: string; packages?: number; jobId?: string }>;
}

export const newRunId = (): string => `inv-${randomBytes(4).toString('hex')}`;

/** What the job side needs from the inventory service. */
export interface CollectTarget {
  credentials: {
    get(hostId: string): Promise<HostCredential | undefined>;
    list(): Promise<Pick<HostCredential, 'hostId' | 'address'>[]>;
  };
  collect(
    cred: HostCredential,
    opts: { runId: string; acceptHostKey?: string | undefined; signal: AbortSignal },
  ): Promise<HostInventory>;
}

const HOST_STATE: Record<JobState, HostRunState> = {
  queued: 'queued',
  scheduled: 'queued',
  'waiting-approval': 'queued',
  // Waiting for its retry after the appliance restarted.
  interrupted: 'queued',
  running: 'running',
  succeeded: 'ok',
  failed: 'failed',
  cancelled: 'failed',
};

/** A run as the Inventory page shows it, from its jobs (newest first, as the runner lists them). */
const runView = (id: string, jobs: JobRecord[]): CollectionRun => {
  const oldest = [...jobs].reverse();
  const run: CollectionRun = { id, startedAt: oldest[0]!.createdAt, hosts: new Map() };
  for (const job of oldest) {
    const packages = job.result?.data?.packages;
    run.hosts.set(String(job.params.hostId), {
      state: HOST_STATE[job.state],
      jobId: job.id,
      ...(job.error && job.state !== 'interrupted' ? { error: job.error } : {}),
      ...(typeof packages === 'number' ? { packages } : {}),
    });
  }
  if (jobs.every((j) => isFinished(j.state)))
    run.finishedAt = jobs
      .map((j) => j.finishedAt ?? j.createdAt)
      .sort()
      .at(-1)!;
  return run;
};

export class CollectJobs {
  private startedAt = 0;
  private lastScheduled = 0;

  constructor(
    private readonly target: CollectTarget,
    private readonly jobs: JobRunner,
    private readonly scheduler: Scheduler | undefined,
    private readonly opts: {
      concurrency: number;
      everyMs: number;
      clock: Clock;
      /** How people name a host (the host directory's label); job titles use it, never the id. */
      hostLabel?: ((hostId: string) => string | undefined) | undefined;
    },
  ) {}

  start(): void {
    this.startedAt = this.opts.clock.now();
    this.jobs.register({
      kind: INVENTORY_COLLECT,
      params: collectParams,
      recovery: 'retry',
      concurrency: this.opts.concurrency,
      run: async (job, p, ctx) => {
        const cred = await this.target.credentials.get(p.hostId);
        if (!cred) throw new Error('credentials were removed while the collection was queued');
        const inv = await this.target.collect(cred, {
          runId: job.group ?? job.id,
          acceptHostKey: p.acceptHostKey,
          signal: ctx.signal,
        });
        return {
          summary: `${inv.packages.length} packages, ${inv.os.prettyName || inv.os.id}`,
          data: { packages: inv.packages.length },
        };
      },
    });
    if (this.opts.everyMs > 0)
      this.scheduler?.add({
        id: INVENTORY_COLLECT,
        label: 'Collect the inventory of every host',
        everyMs: this.opts.everyMs,
        jitterMs: Math.min(10 * 60_000, this.opts.everyMs / 20),
        dueAt: () => this.lastRound() + this.opts.everyMs,
        run: async () => {
          this.lastScheduled = this.opts.clock.now();
          await this.startRun(undefined, { trigger: 'schedule' });
        },
      });
  }

  async stop(): Promise<void> {
    this.scheduler?.remove(INVENTORY_COLLECT);
    await this.jobs.unregister(INVENTORY_COLLECT);
  }

  /**
   * When the last scheduled round started (job history survives restarts); before any, the first
   * collection on record (hosts added by hand and collected now); else the start. Never the start
   * when there is history: each restart then put the next round a whole interval off, so a box
   * switched off every night never collected on schedule.
   */
  private lastRound(): number {
    const all = this.jobs.list({ kind: INVENTORY_COLLECT });
    const scheduled = all.find((j) => j.trigger === 'schedule');
    const first = all.at(-1);
    const at = (j: { createdAt: string } | undefined) => (j ? Date.parse(j.createdAt) : 0);
    return Math.max(this.lastScheduled, at(scheduled)) || at(first) || this.startedAt;
  }

  /** When the next scheduled round starts (undefined: no schedule). */
  nextScheduledAt(): Date | undefined {
    const at = this.scheduler?.next(INVENTORY_COLLECT);
    return at === undefined ? undefined : new Date(at);
  }

  /**
   * Collect hosts with stored credentials (all of them when no ids are given): one job per host,
   * submitted together as one run. A host whose collection is already waiting or running is
   * left to it; when that is every host, the run already going is returned.
   */
  async startRun(
    hostIds?: string[],
    opts: { acceptHostKey?: string | undefined; trigger?: string } = {},
  ): Promise<CollectionRun> {
    const all = await this.target.credentials.list();
    const wanted = hostIds ? all.filter((c) => hostIds.includes(c.hostId)) : all;
    const busy = new Set(this.jobs.unfinished(INVENTORY_COLLECT).map((j) => j.host));
    const id = newRunId();
    for (const { hostId, address } of wanted.filter((c) => !busy.has(c.hostId))) {
      const label = this.opts.hostLabel?.(hostId) ?? address;
      await this.jobs.submit({
        kind: INVENTORY_COLLECT,
        title: `Inventory of ${label}`,
        host: hostId,
        hostLabel: label,
        group: id,
        params: { hostId, ...(opts.acceptHostKey ? { acceptHostKey: opts.acceptHostKey } : {}) },
        trigger: opts.trigger ?? 'manual',
      });
    }
    const now = new Date(this.opts.clock.now()).toISOString();
    return this.getRun(id) ?? this.activeRun() ?? { id, startedAt: now, finishedAt: now, hosts: new Map() };
  }

  getRun(id: string): CollectionRun | undefined {
    const jobs = this.jobs.list({ kind: INVENTORY_COLLECT, group: id });
    return jobs.length ? runView(id, jobs) : undefined;
  }

  /** The newest run that is still going, to show its progress when the page is opened. */
  activeRun(): CollectionRun | undefined {
    const group = this.jobs.unfinished(INVENTORY_COLLECT).find((j) => j.group)?.group;
    return group === undefined ? undefined : this.getRun(group);
  }
}
