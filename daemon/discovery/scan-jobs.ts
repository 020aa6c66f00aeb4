/**
 * Discovery scans as jobs: the `discovery.scan` kind (one scan at a time; a scan cut short by a
 * stop or a crash runs again), and one schedule entry per scope with a schedule, due its interval
 * after the scope's last scan.
 */
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { JobContext, JobRecord, JobResult } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { ScanRecord } from './scan-log.js';
import type { ScopeRecord } from './scope-record.js';

export const DISCOVERY_SCAN = 'discovery.scan';
const ENTRY = `${DISCOVERY_SCAN}:`;

export const scanParams = z.object({ scopeId: z.string(), trigger: z.enum(['manual', 'schedule', 'cli']) });

/** What the job side needs from the discovery service. */
export interface ScanTarget {
  scopes(): readonly ScopeRecord[];
  scope(id: string): ScopeRecord;
  runScan(
    jobId: string,
    scope: ScopeRecord,
    trigger: ScanRecord['trigger'],
    ctx: JobContext,
  ): Promise<JobResult>;
}

/** When a scope's next scheduled scan is due; a scope never scanned is due since it was created. */
export const scopeDueAt = (s: ScopeRecord): number | undefined => {
  if (!s.enabled || s.everyMinutes === null) return undefined;
  return s.lastScanAt === null ? Date.parse(s.createdAt) : Date.parse(s.lastScanAt) + s.everyMinutes * 60_000;
};

export class ScanJobs {
  private started = false;

  constructor(
    private readonly target: ScanTarget,
    private readonly jobs: JobRunner,
    private readonly scheduler: Scheduler | undefined,
  ) {}

  start(): void {
    this.jobs.register({
      kind: DISCOVERY_SCAN,
      params: scanParams,
      recovery: 'retry',
      maxAttempts: 2,
      concurrency: 1,
      run: (job, p, ctx) => this.target.runScan(job.id, this.target.scope(p.scopeId), p.trigger, ctx),
    });
    this.started = true;
    this.reschedule();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.scheduler?.remove(`${ENTRY}*`);
    await this.jobs.unregister(DISCOVERY_SCAN);
  }

  /** Scopes changed: one entry per scope (an entry of a scope without a schedule is never due). */
  reschedule(): void {
    if (!this.scheduler || !this.started) return;
    this.scheduler.remove(`${ENTRY}*`);
    for (const s of this.target.scopes()) {
      const id = s.id;
      this.scheduler.add({
        id: `${ENTRY}${id}`,
        label: `Scan of ${s.name}`,
        everyMs: (s.everyMinutes ?? 0) * 60_000,
        jitterMs: Math.min(5 * 60_000, (s.everyMinutes ?? 0) * 3_000),
        dueAt: () => {
          const scope = this.target.scopes().find((x) => x.id === id);
          return scope && scopeDueAt(scope);
        },
        run: async () => {
          // A scan still running (scheduled or started by hand) is not doubled.
          if (this.pending() === undefined) await this.request(id, 'schedule');
        },
      });
    }
  }

  /** The scan job waiting or running, if any. */
  pending(): JobRecord | undefined {
    return this.jobs.unfinished(DISCOVERY_SCAN).at(-1);
  }

  async request(scopeId: string, trigger: ScanRecord['trigger']): Promise<JobRecord> {
    const scope = this.target.scope(scopeId);
    const pending = this.pending();
    if (pending)
      throw new DepotError('CONFLICT', `scan ${pending.id} is still running; wait for it to finish`);
    return this.jobs.submit({
      kind: DISCOVERY_SCAN,
      title: `Scan of ${scope.name}`,
      params: { scopeId, trigger },
      trigger,
    });
  }

  async cancel(): Promise<void> {
    const pending = this.pending();
    if (pending) await this.jobs.cancel(pending.id);
  }

  idle(): Promise<void> {
    return this.jobs.idle(DISCOVERY_SCAN);
  }
}
