/**
 * Deployments as the UI, API and CLI will use them: create one from the assessment (a draft with
 * its plan), approve (every approval also goes to the append-only audit log), start (in windows,
 * or "now"), pause, resume, cancel, retry a host, reset a breaker. The runner does the driving.
 */
import { join } from 'node:path';
import type { HostAssessment } from '../assess/types.js';
import { DepotError } from '../errors.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { ScheduleEntry, Scheduler } from '../jobs/scheduler.js';
import type { Clock, Service } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Problem } from '../observability/health.js';
import { ApprovalLog, type AuditEntry } from './approval-log.js';
import { haltedDeployments } from './deploy-health.js';
import { DeployRunner } from './deploy-runner.js';
import {
  type Deployment,
  type DeployPolicy,
  type HostState,
  newDeploymentId,
  policySchema,
} from './deployment.js';
import { DeploymentStore } from './deployment-store.js';
import type { DeploymentSummary, HostRow } from './deployment-summary.js';
import { DEFAULT_TIMING, type HostRunDeps, type HostRunTiming } from './host-run.js';
import { KeyedSerial } from './keyed-serial.js';
import { buildPlan, type PlanSelection, updateKey } from './plan.js';
import type { ApprovalScope, ManualApproval } from './policy/approvals.js';
import { defaultPolicy } from './policy/default-policy.js';
import { pendingScopes } from './policy/host-approval.js';
import { parseWindow } from './policy/windows.js';
import { DEFAULT_KEEP_DAYS } from './site-settings.js';

export interface DeployServiceOptions
  extends Pick<HostRunDeps, 'executors' | 'verifier' | 'wake' | 'wakeTarget'> {
  /** `<dataDir>/deploy`: deployments/ and approvals.jsonl. */
  dir: string;
  jobs: JobRunner;
  clock: Clock;
  log: Logger;
  random?: () => number;
  timing?: Partial<HostRunTiming>;
  concurrency?: number;
  /** How people name a host (the host directory's label); job titles use it, never the id. */
  hostLabel?: ((hostId: string) => string | undefined) | undefined;
  /** Finished deployments are removed this many days after their last change (`deploy.keepDays`). */
  keepDays?: number | undefined;
  /** Runs the daily removal of old deployments (none: only `prune` removes them). */
  scheduler?: Scheduler | undefined;
}

/** The newest finished deployments kept whatever their age (a clock set years ahead, a quiet site). */
export const KEEP_NEWEST = 10;
const DAY = 86_400_000;

/** Who does something and from where (client address, or `cli`). */
export interface Actor {
  by: string;
  from: string;
}

export interface CreateDeployment {
  title: string;
  assessments: readonly HostAssessment[];
  selection: PlanSelection;
  allowRemove?: readonly string[];
  /** Host group and ring per host; hosts not listed go to group `default`, ring 2. */
  placement?: Record<string, { group: string; ring: number }>;
  policy?: Partial<DeployPolicy>;
}

const PRUNE_ENTRY = 'deploy.prune';

export class DeployService implements Service {
  readonly name = 'deploy';
  readonly store: DeploymentStore;
  readonly audit: ApprovalLog;
  private readonly runner: DeployRunner;

  constructor(private readonly opts: DeployServiceOptions) {
    this.store = new DeploymentStore(join(opts.dir, 'deployments'), opts.log, { summarize: true });
    this.audit = new ApprovalLog(join(opts.dir, 'approvals.jsonl'));
    this.runner = new DeployRunner({
      ...opts,
      store: this.store,
      random: opts.random ?? Math.random,
      timing: { ...DEFAULT_TIMING, ...opts.timing },
    });
    // A halted deployment is one problem (Needs attention), not that and its failed host jobs.
    opts.jobs.explainFailures((job) => this.explainsFailure(job));
  }

  async start(): Promise<void> {
    await this.runner.start();
    this.opts.scheduler?.add(this.pruneEntry());
  }

  stop(): Promise<void> {
    this.opts.scheduler?.remove(PRUNE_ENTRY);
    return this.runner.stop();
  }

  /** Days a finished deployment is kept after its last change (`deploy.keepDays`). */
  keepDays(): number {
    return this.opts.keepDays ?? DEFAULT_KEEP_DAYS;
  }

  private pruneEntry(): ScheduleEntry {
    // Ten minutes after start (the services settle), then daily.
    let dueAt = this.opts.clock.now() + 10 * 60_000;
    return {
      id: PRUNE_ENTRY,
      label: `Remove finished deployments ${this.keepDays()} days after their last change`,
      everyMs: DAY,
      dueAt: () => dueAt,
      jitterMs: 60 * 60_000,
      run: async () => {
        dueAt = this.opts.clock.now() + DAY;
        await this.prune();
      },
    };
  }

  /**
   * Remove finished deployments whose record was last written more than keepDays ago (their
   * outcomes stay in the reports' history); the newest KEEP_NEWEST, and any holding an open
   * breaker or a halted update, are kept. Returns how many were removed.
   */
  async prune(): Promise<number> {
    const keepDays = this.keepDays();
    const removed = await this.store.prune(this.opts.clock.now() - keepDays * DAY, KEEP_NEWEST);
    if (removed.length)
      this.opts.log.info('removed finished deployments past deploy.keepDays', {
        count: removed.length,
        keepDays,
        oldest: removed[0],
        newest: removed.at(-1),
      });
    return removed.length;
  }

  private iso(): string {
    return new Date(this.opts.clock.now()).toISOString();
  }

  /** Halted deployments: each waits for a technician (fix and retry its failed hosts, or cancel). */
  health(): Problem[] {
    return haltedDeployments(this.store.movingRecords(), (id) => this.opts.hostLabel?.(id));
  }

  /** A failed job of a halted deployment: the deployment's own problem tells that story. */
  explainsFailure(job: { params: Record<string, unknown> }): boolean {
    const id = job.params.deploymentId;
    return typeof id === 'string' && this.store.live(id)?.state === 'halted';
  }

  /** Every deployment, newest first, as its summary (a page needing a host's steps: `get`). */
  list(): DeploymentSummary[] {
    return this.store.all().reverse();
  }

  /** The deployments that include a host, newest first, with the host's state in each. */
  forHost(hostId: string): Array<{ d: DeploymentSummary; h: HostRow }> {
    return this.list().flatMap((d) => {
      const h = d.host(hostId);
      return h ? [{ d, h }] : [];
    });
  }

  summary(id: string): DeploymentSummary {
    const d = this.store.summary(id);
    if (!d) throw new DepotError('NOT_FOUND', `no deployment ${id}`);
    return d;
  }

  /** The whole record (a finished deployment's is read from its file). */
  async get(id: string): Promise<Deployment> {
    const d = await this.store.record(id);
    if (!d) throw new DepotError('NOT_FOUND', `no deployment ${id}`);
    return d;
  }

  /** A draft with its plan: nothing runs until it is started. */
  async create(input: CreateDeployment, actor: Actor): Promise<Deployment> {
    const policy = policySchema.parse({ ...defaultPolicy(this.opts.concurrency), ...input.policy });
    for (const w of Object.values(policy.windows)) parseWindow(w.text, w.zone);
    const plan = buildPlan(input.assessments, input.selection, input.allowRemove);
    if (plan.changes.length === 0)
      throw new DepotError('BAD_INPUT', 'nothing to deploy: no selected fix is missing');
    const hosts: HostState[] = plan.changes.map((change) => {
      const place = input.placement?.[change.hostId] ?? { group: 'default', ring: 2 };
      return {
        hostId: change.hostId,
        ...place,
        change,
        phase: 'pending',
        attempts: 0,
        failures: [],
        steps: [],
      };
    });
    const now = this.opts.clock.now();
    const d: Deployment = {
      id: newDeploymentId(now),
      title: input.title,
      createdAt: new Date(now).toISOString(),
      createdBy: actor.by,
      state: 'draft',
      advisories: plan.advisories,
      notApplicable: plan.notApplicable,
      policy,
      approvals: [],
      hosts,
      rings: [0, 1, 2].map(() => ({ state: 'pending' as const, batch: 0 })),
      breakers: [],
      haltedUpdates: [],
    };
    await this.store.add(d);
    return d;
  }

  private async record(d: Deployment, entry: Omit<AuditEntry, 'at' | 'deploymentId'>): Promise<void> {
    await this.audit.append({ at: this.iso(), deploymentId: d.id, ...entry });
  }

  /** Actions on one deployment run one after another (see KeyedSerial): a second press acts once. */
  private readonly acting = new KeyedSerial();
  private serial<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.acting.run(id, work);
  }

  approve(id: string, scope: ApprovalScope, actor: Actor, deadline?: string): Promise<Deployment> {
    return this.serial(id, () => this.approveNow(id, scope, actor, deadline));
  }

  private async approveNow(id: string, scope: ApprovalScope, actor: Actor, deadline?: string) {
    const d = await this.approvable(id);
    // The same approval again (a second press) is already done: not recorded twice.
    const same = (a: ManualApproval) =>
      JSON.stringify(a.scope) === JSON.stringify(scope) && a.deadline === deadline;
    if (d.approvals.some(same)) return d;
    return this.approveScopes(d, [scope], actor, deadline);
  }

  /**
   * Approve everything that still waits for a person (pendingScopes): one approval, and one audit
   * entry, per advisory or package, as if each had been approved on its own. Returns what it approved.
   */
  approveAll(id: string, actor: Actor, deadline?: string): Promise<ApprovalScope[]> {
    return this.serial(id, async () => {
      const d = await this.approvable(id);
      const scopes = pendingScopes(d, this.opts.clock.now());
      if (scopes.length === 0)
        throw new DepotError('CONFLICT', `nothing in deployment ${id} is waiting for approval`);
      await this.approveScopes(d, scopes, actor, deadline);
      return scopes;
    });
  }

  /** A deployment that can still be approved. */
  private async approvable(id: string): Promise<Deployment> {
    const d = await this.get(id);
    if (d.state === 'cancelled' || d.state === 'completed')
      throw new DepotError('CONFLICT', `deployment ${id} is ${d.state}`);
    return d;
  }

  private async approveScopes(
    d: Deployment,
    scopes: readonly ApprovalScope[],
    actor: Actor,
    deadline: string | undefined,
  ): Promise<Deployment> {
    const at = this.iso();
    for (const scope of scopes) {
      await this.record(d, { action: 'approve', scope, ...actor, ...(deadline ? { deadline } : {}) });
      d.approvals.push({ scope, at, ...actor, ...(deadline ? { deadline } : {}) });
    }
    await this.store.save(d);
    await this.runner.advance(d.id);
    return d;
  }

  /** Start (or resume): hosts run in their windows, or at once with `now`. */
  run(id: string, actor: Actor, opts: { now?: boolean } = {}): Promise<Deployment> {
    return this.serial(id, () => this.runNow(id, actor, opts));
  }

  private async runNow(id: string, actor: Actor, opts: { now?: boolean }): Promise<Deployment> {
    const d = await this.get(id);
    if (d.state !== 'draft' && d.state !== 'paused')
      throw new DepotError('CONFLICT', `deployment ${id} is ${d.state}`);
    await this.record(d, {
      action: d.state === 'draft' ? 'start' : 'resume',
      ...actor,
      ...(opts.now ? { detail: 'now' } : {}),
    });
    if (opts.now) d.policy.now = true;
    d.state = 'running';
    await this.store.save(d);
    await this.runner.advance(id);
    return d;
  }

  /** Start nothing more, in any ring; hosts mid-step finish their step. */
  pause(id: string, actor: Actor): Promise<Deployment> {
    return this.serial(id, () => this.setState(id, actor, 'pause', 'running', 'paused'));
  }

  cancel(id: string, actor: Actor): Promise<Deployment> {
    return this.serial(id, () => this.cancelNow(id, actor));
  }

  private async cancelNow(id: string, actor: Actor): Promise<Deployment> {
    const d = await this.get(id);
    if (d.state === 'completed' || d.state === 'cancelled')
      throw new DepotError('CONFLICT', `deployment ${id} is ${d.state}`);
    await this.setState(id, actor, 'cancel', d.state, 'cancelled');
    for (const h of d.hosts) {
      const job = h.jobId ? this.opts.jobs.get(h.jobId) : undefined;
      if (job && (job.state === 'queued' || job.state === 'scheduled')) await this.opts.jobs.cancel(job.id);
    }
    return d;
  }

  private async setState(
    id: string,
    actor: Actor,
    action: 'pause' | 'cancel',
    from: Deployment['state'],
    to: Deployment['state'],
  ): Promise<Deployment> {
    const d = await this.get(id);
    if (d.state !== from) throw new DepotError('CONFLICT', `deployment ${id} is ${d.state}`);
    await this.record(d, { action, ...actor });
    d.state = to;
    await this.store.save(d);
    return d;
  }

  /** Reset an open breaker (update on host) in every deployment that holds it. */
  async resetBreaker(hostId: string, update: string, actor: Actor): Promise<number> {
    const open = this.store.openBreakers(hostId).filter((o) => o.breaker.update === update);
    if (open.length === 0) throw new DepotError('NOT_FOUND', `no open breaker for ${update} on ${hostId}`);
    for (const { deploymentId } of open) {
      // The breaker of the whole record (a finished deployment's summary holds a copy read earlier).
      const d = await this.get(deploymentId);
      const breaker = d.breakers.find((b) => b.hostId === hostId && b.update === update && !b.resetAt);
      if (!breaker) continue;
      await this.record(d, { action: 'reset-breaker', ...actor, detail: `${hostId} ${update}` });
      Object.assign(breaker, { resetAt: this.iso(), resetBy: actor.by });
      await this.store.save(d);
    }
    return open.length;
  }

  /** Run a failed or unreachable host again (its breakers must be reset first). */
  retryHost(id: string, hostId: string, actor: Actor): Promise<Deployment> {
    return this.serial(id, () => this.retryNow(id, hostId, actor));
  }

  private async retryNow(id: string, hostId: string, actor: Actor): Promise<Deployment> {
    const d = await this.get(id);
    const h = d.hosts.find((x) => x.hostId === hostId);
    if (!h) throw new DepotError('NOT_FOUND', `host ${hostId} is not in deployment ${id}`);
    if (h.outcome !== 'failed' && h.outcome !== 'unreachable')
      throw new DepotError('CONFLICT', `host ${hostId} is ${h.outcome ?? h.phase}`);
    const open = h.change.upgrades.map(updateKey).filter((u) => this.store.openBreaker(hostId, u));
    if (open.length)
      throw new DepotError(
        'CONFLICT',
        `${open.join(', ')} failed on ${hostId} before: allow it on that host again first (after fixing the cause)`,
      );
    await this.record(d, { action: 'start', ...actor, detail: `retry ${hostId}` });
    Object.assign(h, { phase: 'pending', attempts: 0, retries: (h.retries ?? 0) + 1 });
    for (const k of ['outcome', 'reason', 'finishedAt', 'jobId', 'batch'] as const) delete h[k];
    // The host's own failure halted its ring: retrying it lifts that halt.
    const updates = h.change.upgrades.map(updateKey);
    d.haltedUpdates = d.haltedUpdates.filter((u) => !updates.includes(u));
    const ring = d.rings[h.ring]!;
    Object.assign(ring, { state: 'running' });
    delete ring.doneAt;
    // The deployment's note is this ring's halt: lifted with it (a completed run showed it in red).
    if (d.note !== undefined && d.note === ring.note) delete d.note;
    delete ring.note;
    if (d.state === 'halted' || d.state === 'completed') d.state = 'running';
    await this.store.save(d);
    await this.runner.advance(id);
    return d;
  }
}
