/**
 * The one durable job runner. Services register job kinds and submit jobs; the runner keeps each
 * job's record on disk through every state change, runs jobs oldest first within a global limit,
 * a per-kind limit and per-host single-flight (never two jobs on one machine at once), gives each
 * a capped log, cancels through an AbortSignal, and after a crash or stop hands jobs that were
 * running back to their kind's recovery policy. Finished jobs are kept up to a limit.
 */
import { DepotError } from '../errors.js';
import type { Clock, Service } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Problem } from '../observability/health.js';
import {
  isFinished,
  JobAbort,
  type JobKind,
  type JobRecord,
  type JobSpec,
  type JobState,
  newJobId,
  transition,
} from './job.js';
import { type Active, type Outcome, runAttempt } from './job-attempt.js';
import { failedRecently } from './job-health.js';
import { DEFAULT_LOG_LIMITS, JobLog, type JobLogLimits, readJobLog } from './job-log.js';
import { type JobFilter, JobStore } from './job-store.js';
import { decideRecovery } from './recovery.js';

export interface JobRunnerOptions {
  /** `<dataDir>/jobs`: one record and one log per job. */
  dir: string;
  clock: Clock;
  log: Logger;
  /** Jobs running at once, all kinds together. */
  concurrency: number;
  /** Finished jobs kept; older ones are pruned. */
  keepFinished: number;
  logLimits?: JobLogLimits;
}

export class JobRunner implements Service {
  readonly name = 'jobs';
  private readonly store: JobStore;
  private readonly kinds = new Map<string, JobKind<unknown>>();
  private readonly active = new Map<string, Active>();
  private readonly waiters = new Map<string, Array<(job: JobRecord) => void>>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly recovering = new Set<string>();
  private timer: { at: number; abort: AbortController } | undefined;
  private pruning: Promise<unknown> = Promise.resolve();
  private started = false;
  private stopping = false;

  constructor(private readonly opts: JobRunnerOptions) {
    this.store = new JobStore(opts.dir, opts.log);
  }

  private iso(): string {
    return new Date(this.opts.clock.now()).toISOString();
  }

  async start(): Promise<void> {
    this.stopping = false;
    for (const job of await this.store.load()) {
      if (job.state !== 'running') continue;
      this.transition(job, 'interrupted', 'the appliance stopped while this job was running');
      job.error = 'interrupted: the appliance stopped while this job was running';
      await this.store.save(job);
      this.opts.log.warn('job interrupted', { jobId: job.id, kind: job.kind, attempts: job.attempts });
    }
    this.started = true;
    await this.store.prune(this.opts.keepFinished);
    for (const kind of this.kinds.values()) this.recover(kind);
    this.pump();
  }

  /** Cut running jobs short (they come back as interrupted at the next start) and wait for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.timer?.abort.abort();
    this.timer = undefined;
    await this.halt([...this.active.values()]);
    await Promise.allSettled([...this.tasks]);
    await this.pruning;
    await this.store.settled();
    this.started = false;
  }

  private async halt(jobs: Active[]): Promise<void> {
    for (const a of jobs) a.abort.abort(new JobAbort('stop', 'the appliance is stopping'));
    await Promise.all(jobs.map((a) => a.done));
  }

  /** Make a kind runnable; its jobs that a stop interrupted are recovered now. */
  register<P>(kind: JobKind<P>): void {
    this.kinds.set(kind.kind, kind as JobKind<unknown>);
    if (this.started) {
      this.recover(kind as JobKind<unknown>);
      this.pump();
    }
  }

  /** The owning service stops: its running jobs are cut short (interrupted), queued ones wait. */
  async unregister(kind: string): Promise<void> {
    this.kinds.delete(kind);
    await this.halt([...this.active.values()].filter((a) => a.job.kind === kind));
  }

  async submit(spec: JobSpec): Promise<JobRecord> {
    if (!this.started || this.stopping) throw new DepotError('UNAVAILABLE', 'the job runner is not running');
    if (!this.kinds.has(spec.kind)) throw new DepotError('BAD_INPUT', `unknown job kind ${spec.kind}`);
    const now = this.opts.clock.now();
    const state: JobState = spec.needsApproval
      ? 'waiting-approval'
      : spec.runAt !== undefined && spec.runAt > now
        ? 'scheduled'
        : 'queued';
    let id = newJobId(new Date(now));
    while (this.store.get(id)) id = newJobId(new Date(now));
    const job: JobRecord = {
      id,
      kind: spec.kind,
      title: spec.title,
      trigger: spec.trigger,
      params: spec.params,
      state,
      attempts: 0,
      createdAt: new Date(now).toISOString(),
      events: [],
      ...(spec.host !== undefined ? { host: spec.host } : {}),
      ...(spec.hostLabel !== undefined ? { hostLabel: spec.hostLabel } : {}),
      ...(spec.group !== undefined ? { group: spec.group } : {}),
      ...(spec.runAt !== undefined ? { runAt: new Date(spec.runAt).toISOString() } : {}),
    };
    this.transition(job, state, `submitted (${spec.trigger})`);
    const saved = this.store.add(job);
    this.pump();
    await saved;
    return job;
  }

  get(id: string): JobRecord | undefined {
    return this.store.get(id);
  }

  /** Jobs matching the filter, newest first. */
  list(filter: JobFilter = {}): JobRecord[] {
    return this.store.select(filter).reverse();
  }

  /** Jobs of a kind that have not finished (queued, scheduled, waiting, running, interrupted). */
  unfinished(kind: string): JobRecord[] {
    return this.list({ kind }).filter((j) => !isFinished(j.state));
  }

  /** Resolves once no job of the kind is waiting or running (tests, CLI). */
  async idle(kind: string): Promise<void> {
    for (;;) {
      const open = this.unfinished(kind).filter((j) => !this.resting(j));
      if (open.length === 0) return;
      await Promise.all(open.map((j) => this.settled(j.id)));
    }
  }

  /** Resolves once the job rests: finished, or interrupted by a stop. */
  settled(id: string): Promise<JobRecord> {
    const job = this.store.get(id);
    if (!job) return Promise.reject(new DepotError('NOT_FOUND', `no job ${id}`));
    if (this.resting(job)) return Promise.resolve(job);
    return new Promise((resolve) => {
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]);
    });
  }

  /** Finished, or interrupted with nobody to recover it now (stopping, or its service stopped). */
  private resting(job: JobRecord): boolean {
    if (isFinished(job.state)) return true;
    return (
      job.state === 'interrupted' && !this.active.has(job.id) && (this.stopping || !this.kinds.has(job.kind))
    );
  }

  /** The job's log: live while it runs, from its file afterwards. */
  async log(id: string): Promise<string[]> {
    const live = this.active.get(id);
    return live ? live.log.text : readJobLog(this.opts.dir, id);
  }

  /** Cancel a job that has not finished; a running one is aborted and ends as cancelled. */
  async cancel(id: string): Promise<JobRecord> {
    const job = this.store.get(id);
    if (!job) throw new DepotError('NOT_FOUND', `no job ${id}`);
    if (isFinished(job.state)) throw new DepotError('CONFLICT', `job ${id} has already ${job.state}`);
    const live = this.active.get(id);
    if (live) {
      live.abort.abort(new JobAbort('cancel', 'cancelled by the administrator'));
      return job;
    }
    await this.conclude(job, { state: 'cancelled', error: 'cancelled by the administrator before it ran' });
    this.pump();
    return job;
  }

  /** Let a job waiting for approval run (at its time, if it has one). */
  async approve(id: string): Promise<JobRecord> {
    const job = this.store.get(id);
    if (!job) throw new DepotError('NOT_FOUND', `no job ${id}`);
    if (job.state !== 'waiting-approval') throw new DepotError('CONFLICT', `job ${id} is ${job.state}`);
    const later = job.runAt !== undefined && Date.parse(job.runAt) > this.opts.clock.now();
    this.transition(job, later ? 'scheduled' : 'queued', 'approved');
    await this.store.save(job);
    this.pump();
    return job;
  }

  /** Whether another problem already tells a failed job's story (a halted deployment's host jobs). */
  private explained: (job: JobRecord) => boolean = () => false;
  explainFailures(by: (job: JobRecord) => boolean): void {
    this.explained = by;
  }

  /** Jobs that failed in the last day: the appliance is up, but work is not getting done. */
  health(): Problem[] {
    const failed = this.list({ states: ['failed'] }).filter((j) => !this.explained(j));
    return failedRecently(failed, this.opts.clock.now());
  }

  // ---- running -------------------------------------------------------------------------------

  private transition(job: JobRecord, state: JobState, note?: string): void {
    transition(job, state, this.iso(), note);
  }

  private canStart(job: JobRecord, kind: JobKind<unknown> | undefined): kind is JobKind<unknown> {
    if (job.state !== 'queued' || !kind) return false;
    const running = [...this.active.values()];
    if (
      kind.concurrency !== undefined &&
      running.filter((a) => a.job.kind === job.kind).length >= kind.concurrency
    )
      return false;
    return job.host === undefined || !running.some((a) => a.job.host === job.host);
  }

  private pump(): void {
    if (!this.started || this.stopping) return;
    const now = this.opts.clock.now();
    for (const job of this.store.all()) {
      if (job.state === 'scheduled' && job.runAt && Date.parse(job.runAt) <= now) {
        this.transition(job, 'queued', 'due');
        void this.store.save(job);
      }
    }
    for (const job of this.store.all()) {
      if (this.active.size >= this.opts.concurrency) break;
      const kind = this.kinds.get(job.kind);
      if (this.canStart(job, kind)) this.launch(job, kind);
    }
    this.arm();
  }

  /** Wake up when the earliest scheduled job is due. */
  private arm(): void {
    const due = this.store
      .all()
      .filter((j) => j.state === 'scheduled' && j.runAt)
      .map((j) => Date.parse(j.runAt!));
    const at = due.length ? Math.min(...due) : undefined;
    if (this.timer?.at === at) return;
    this.timer?.abort.abort();
    this.timer = undefined;
    if (at === undefined) return;
    const abort = new AbortController();
    this.timer = { at, abort };
    this.opts.clock.sleep(Math.max(0, at - this.opts.clock.now()), abort.signal).then(
      () => {
        if (this.timer?.abort === abort) this.timer = undefined;
        this.pump();
      },
      () => {},
    );
  }

  private launch(job: JobRecord, kind: JobKind<unknown>): void {
    job.attempts++;
    job.startedAt = this.iso();
    delete job.finishedAt;
    delete job.error;
    delete job.result;
    delete job.progress;
    this.transition(job, 'running', `attempt ${job.attempts}`);
    const active: Active = {
      job,
      abort: new AbortController(),
      log: this.jobLog(job.id),
      done: Promise.resolve(),
    };
    this.active.set(job.id, active);
    active.done = this.execute(active, kind);
  }

  private jobLog(id: string): JobLog {
    return new JobLog(
      this.opts.dir,
      id,
      this.opts.clock,
      this.opts.log,
      this.opts.logLimits ?? DEFAULT_LOG_LIMITS,
    );
  }

  private async execute(a: Active, kind: JobKind<unknown>): Promise<void> {
    const { job } = a;
    const log = this.opts.log.child('job', {
      jobId: job.id,
      kind: job.kind,
      ...(job.host !== undefined ? { host: job.host } : {}),
    });
    const outcome = await runAttempt(a, kind, log, (j) => this.store.save(j));
    if (outcome.state === 'succeeded') log.info('job succeeded', { summary: outcome.result.summary });
    else log[outcome.state === 'failed' ? 'warn' : 'info'](`job ${outcome.state}`, { error: outcome.error });
    a.log.append(
      outcome.state === 'succeeded'
        ? `succeeded: ${outcome.result.summary}`
        : `${outcome.state}: ${outcome.error}`,
    );
    await a.log.flush();
    this.active.delete(job.id);
    await this.conclude(job, outcome);
    this.pump();
  }

  /** Record how a job ended (or paused, for interrupted) and wake whoever waits for it. */
  private async conclude(job: JobRecord, outcome: Outcome, note?: string): Promise<void> {
    this.transition(job, outcome.state, outcome.state === 'succeeded' ? note : outcome.error);
    if (outcome.state === 'succeeded') job.result = outcome.result;
    else job.error = outcome.error;
    if (isFinished(job.state)) job.finishedAt = this.iso();
    await this.store.save(job);
    for (const resolve of this.waiters.get(job.id) ?? []) resolve(job);
    this.waiters.delete(job.id);
    if (isFinished(job.state)) {
      this.pruning = this.pruning.then(() => this.store.prune(this.opts.keepFinished)).catch(() => {});
    }
  }

  // ---- recovery ------------------------------------------------------------------------------

  private recover(kind: JobKind<unknown>): void {
    if (this.stopping) return;
    const jobs = this.store
      .all()
      .filter(
        (j) =>
          j.kind === kind.kind &&
          j.state === 'interrupted' &&
          !this.active.has(j.id) &&
          !this.recovering.has(j.id),
      );
    if (jobs.length === 0) return;
    for (const job of jobs) this.recovering.add(job.id);
    const task = (async () => {
      for (const job of jobs) {
        try {
          await this.recoverOne(job, kind);
        } finally {
          this.recovering.delete(job.id);
        }
      }
      this.pump();
    })();
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private async recoverOne(job: JobRecord, kind: JobKind<unknown>): Promise<void> {
    const decision = await decideRecovery(job, kind);
    const note = decision.state === 'failed' ? decision.error : decision.note;
    const jobLog = this.jobLog(job.id);
    await jobLog.load().catch(() => {});
    jobLog.append(`interrupted; ${note}`);
    await jobLog.flush();
    this.opts.log.info('interrupted job recovered', {
      jobId: job.id,
      kind: job.kind,
      outcome: decision.state,
    });
    if (decision.state === 'queued') {
      this.transition(job, 'queued', decision.note);
      await this.store.save(job);
    } else if (decision.state === 'succeeded') {
      await this.conclude(job, { state: 'succeeded', result: decision.result }, decision.note);
    } else {
      await this.conclude(job, { state: 'failed', error: decision.error });
    }
  }
}
