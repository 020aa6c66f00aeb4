/**
 * Drives deployments. Each host's work is one job (`deploy.host`) on the durable job runner, so
 * per-host single-flight, the site's concurrency limit, scheduling into windows and recovery after
 * a crash come from jobs/. After every host ends (and when a soak ends, an approval arrives or the
 * admin acts) the rings are advanced: the next batch is submitted, a gate halts, or the
 * deployment completes. A job found running after a crash is retried; the host's own record says
 * whether it was mid-step, and then it is re-verified before anything runs again.
 */
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { JobKind, JobRecord, JobResult } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Clock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Deployment, HostState } from './deployment.js';
import type { DeploymentStore } from './deployment-store.js';
import type { HostRow } from './deployment-summary.js';
import { HostRun, type HostRunDeps } from './host-run.js';
import { hostApproval } from './policy/host-approval.js';
import { advanceRings, DEFAULT_CONCURRENCY } from './policy/rings.js';
import { isOpen, parseWindow, spreadStart } from './policy/windows.js';

export const DEPLOY_HOST_KIND = 'deploy.host';
const paramsSchema = z.object({ deploymentId: z.string(), hostId: z.string() });
type HostJobParams = z.infer<typeof paramsSchema>;

export interface DeployRunnerOptions extends Omit<HostRunDeps, 'clock' | 'log'> {
  store: DeploymentStore;
  jobs: JobRunner;
  clock: Clock;
  log: Logger;
  /** In [0, 1): spreads starts over the first minutes of a window (injected for tests). */
  random: () => number;
  /** Hosts changed at once on the site (the job kind's limit). */
  concurrency?: number;
  /** How people name a host (the host directory's label); job titles use it, never the id. */
  hostLabel?: ((hostId: string) => string | undefined) | undefined;
}

export class DeployRunner {
  private readonly hostRun: HostRun;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, { at: number; abort: AbortController }>();
  private stopped = new AbortController();

  constructor(private readonly opts: DeployRunnerOptions) {
    this.hostRun = new HostRun({ ...opts, log: opts.log });
  }

  /** Load the records, register the job kind (which recovers interrupted host jobs) and advance. */
  async start(): Promise<void> {
    this.stopped = new AbortController();
    await this.opts.store.load();
    this.opts.jobs.register(this.kind());
    for (const d of this.opts.store.movingRecords()) {
      const requeued = this.requeueOrphans(d);
      if (requeued.length) await this.opts.store.save(d, requeued);
      if (d.state === 'running') void this.advance(d.id);
    }
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    for (const t of this.timers.values()) t.abort.abort();
    this.timers.clear();
    await this.opts.jobs.unregister(DEPLOY_HOST_KIND);
    await Promise.allSettled([...this.chains.values()]);
    await this.opts.store.fold();
  }

  /** A host marked queued whose job is gone (a crash between the two writes) starts afresh. */
  private requeueOrphans(d: Deployment): HostState[] {
    const requeued: HostState[] = [];
    for (const h of d.hosts) {
      if (h.phase !== 'queued' || h.outcome) continue;
      const job = h.jobId ? this.opts.jobs.get(h.jobId) : undefined;
      if (job && job.state !== 'cancelled' && job.state !== 'failed') continue;
      h.phase = 'pending';
      requeued.push(h);
    }
    return requeued;
  }

  private kind(): JobKind<HostJobParams> {
    return {
      kind: DEPLOY_HOST_KIND,
      params: paramsSchema,
      recovery: 'reconcile',
      // Never re-run blindly: a host that ended keeps its outcome; one mid-step is re-verified first.
      reconcile: async (_job, p) => {
        const h = this.host(p);
        if (h?.outcome) return { state: 'succeeded', result: { summary: this.outcome(h) } };
        return { state: 'retry' };
      },
      maxAttempts: 5,
      concurrency: this.opts.concurrency ?? DEFAULT_CONCURRENCY,
      run: (job, p, ctx) => this.runHost(job, p, ctx.signal),
    };
  }

  /**
   * A host job's result: its outcome and why. The job's title names the host ("Deploy X to
   * 10.0.0.20"); only a host without a name there is named here, by its id.
   */
  private outcome(h: HostRow): string {
    const id = this.opts.hostLabel?.(h.hostId) ? '' : `${h.hostId}: `;
    return `${id}${h.outcome}${h.reason ? ` (${h.reason})` : ''}`;
  }

  private host(p: HostJobParams): HostRow | undefined {
    return this.opts.store.summary(p.deploymentId)?.host(p.hostId);
  }

  private async runHost(job: JobRecord, p: HostJobParams, signal: AbortSignal): Promise<JobResult> {
    const d = this.opts.store.live(p.deploymentId);
    const h = d?.hosts.find((x) => x.hostId === p.hostId);
    if (!d || !h) {
      // Finished and at rest: the host ended, or never started and never will.
      const row = this.host(p);
      const state = this.opts.store.summary(p.deploymentId)?.state;
      if (row?.outcome) return { summary: this.outcome(row) };
      return {
        summary: state ? `not started: the deployment is ${state}` : 'the deployment or host is gone',
      };
    }
    if (h.jobId !== job.id) return { summary: `superseded by ${h.jobId ?? 'nothing'}` };
    if (h.outcome) return { summary: this.outcome(h) };
    const save = () => this.opts.store.save(d, [h]);
    if (!h.intent && d.state !== 'running') {
      h.phase = 'pending';
      await save();
      return { summary: `not started: the deployment is ${d.state}` };
    }
    if (!h.intent && !this.mayStart(d, h)) {
      h.phase = 'pending';
      h.waiting = 'the maintenance window closed; resumes in the next one';
      await save();
      void this.advance(d.id);
      return { summary: h.waiting };
    }
    h.waiting = undefined;
    try {
      await this.hostRun.run(d, h, save, signal);
    } finally {
      void this.advance(d.id);
    }
    const result = { summary: this.outcome(h) };
    if (h.outcome === 'failed' || h.outcome === 'unreachable')
      throw new DepotError('UNAVAILABLE', result.summary);
    return result;
  }

  /** Inside the host group's window, or the admin chose "now", or an approval deadline passed. */
  private mayStart(d: Deployment, h: HostState): boolean {
    const w = d.policy.windows[h.group];
    if (d.policy.now || !w) return true;
    const now = this.opts.clock.now();
    const approval = hostApproval(d, h, now);
    if (approval.approved && approval.deadline !== undefined && approval.deadline <= now) return true;
    return isOpen(parseWindow(w.text, w.zone), now);
  }

  /** Look at the deployment again (serialised per deployment); resolves once its effects are saved. */
  advance(id: string): Promise<void> {
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous
      .then(() => this.advanceNow(id))
      .catch((err: unknown) => {
        this.opts.log.error('deployment could not advance', { deploymentId: id, err });
      });
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  private async advanceNow(id: string): Promise<void> {
    // A finished deployment at rest has nothing to advance (a change to it is saved first: then it is live).
    const d = this.opts.store.live(id);
    if (!d || this.stopped.signal.aborted) return;
    const now = this.opts.clock.now();
    const before = d.state;
    const step = advanceRings(d, {
      now,
      halted: this.opts.store.haltedUpdates(),
      breaker: (hostId, update) => {
        const b = this.opts.store.openBreaker(hostId, update);
        return b
          ? `breaker open for ${update} since ${b.trippedAt}: ${b.reason}; an admin resets it`
          : undefined;
      },
      waitingApproval: (h) => {
        const a = hostApproval(d, h, this.opts.clock.now());
        return a.approved ? undefined : a.waiting.join('; ');
      },
    });
    for (const h of step.launch) await this.launch(d, h);
    // The rings' changes: a journal line naming the hosts launched and those touched on the way.
    await this.opts.store.save(d, step.touched ? [...step.launch, ...step.touched] : step.launch);
    if (step.wakeAt !== undefined) this.arm(id, step.wakeAt);
    if (d.state !== before)
      this.opts.log.info('deployment state', { deploymentId: id, state: d.state, note: d.note });
    // A halt names updates other deployments may carry: they stop before their next batch too.
    if (d.state === 'halted' && before !== 'halted') {
      for (const other of this.opts.store.movingRecords())
        if (other.id !== id && other.state === 'running') void this.advance(other.id);
    }
  }

  /** Submit the host's job: at once, or at its window's next opening plus a random spread. */
  private async launch(d: Deployment, h: HostState): Promise<void> {
    const now = this.opts.clock.now();
    const w = d.policy.windows[h.group];
    const runAt =
      d.policy.now || !w
        ? now
        : spreadStart(parseWindow(w.text, w.zone), now, this.opts.random, d.policy.spreadMs);
    const label = this.opts.hostLabel?.(h.hostId);
    const job = await this.opts.jobs.submit({
      kind: DEPLOY_HOST_KIND,
      title: `Deploy ${d.title} to ${label ?? 'a host'}`,
      params: { deploymentId: d.id, hostId: h.hostId },
      trigger: `deployment ${d.id}, ring ${h.ring}`,
      host: h.hostId,
      ...(label !== undefined ? { hostLabel: label } : {}),
      group: d.id,
      ...(runAt > now ? { runAt } : {}),
    });
    Object.assign(h, { jobId: job.id, phase: 'queued', runAt: new Date(runAt).toISOString() });
    delete h.waiting;
  }

  /** Advance again at `at` (a soak ends). */
  private arm(id: string, at: number): void {
    if (this.timers.get(id)?.at === at) return;
    this.timers.get(id)?.abort.abort();
    const abort = new AbortController();
    this.timers.set(id, { at, abort });
    const signal = AbortSignal.any([abort.signal, this.stopped.signal]);
    this.opts.clock.sleep(Math.max(0, at - this.opts.clock.now()), signal).then(
      () => {
        if (this.timers.get(id)?.abort === abort) this.timers.delete(id);
        void this.advance(id);
      },
      () => {},
    );
  }
}
