/**
 * One host through one deployment: wake if down, preflight, recover if broken, dry run, install,
 * reboot per policy, verify, and an outcome. The host's phase and every step are saved as it
 * goes; before a step that changes the host (install, reboot) its intent is made durable, so after
 * a crash the host is reconciled by re-verifying (or by looking for a new boot id) and never run
 * again blindly. Transient failures retry with backoff up to the attempt limit; a permanent
 * failure, or running out of attempts, trips the breaker for each of the host's updates, unless
 * the host refused the login before anything ran (its key changed, say: the update is not at fault).
 */
import type { Clock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import {
  attemptOf,
  capList,
  type Deployment,
  type HostState,
  MAX_FAILURES,
  MAX_STEPS,
} from './deployment.js';
import { checkDryRun, updateKey } from './plan.js';
import { isOpen, parseWindow } from './policy/windows.js';
import {
  type ExecutorFactory,
  type HostExecutor,
  type HostOutcome,
  StepFailure,
  type StepRecord,
  type Verifier,
  type WakeSender,
  type WakeTarget,
} from './ports.js';

export type { WakeTarget } from './ports.js';

export interface HostRunTiming {
  maxAttempts: number;
  /** First retry waits this long, doubling after each further failure. */
  backoffMs: number;
  wakeDeadlineMs: number;
  rebootDeadlineMs: number;
  /** How often a waking or rebooting host is asked for its boot id. */
  pollMs: number;
  /** Less free space than this where packages unpack fails preflight. */
  minFreeBytes: number;
}

export const DEFAULT_TIMING: HostRunTiming = {
  maxAttempts: 3,
  backoffMs: 30_000,
  wakeDeadlineMs: 5 * 60_000,
  rebootDeadlineMs: 10 * 60_000,
  pollMs: 5_000,
  minFreeBytes: 200 * 1024 * 1024,
};

export interface HostRunDeps {
  executors: ExecutorFactory;
  verifier: Verifier;
  /** Absent when Wake-on-LAN is not set up: a host that is down ends unreachable. */
  wake?: WakeSender | undefined;
  wakeTarget?: ((hostId: string) => Promise<WakeTarget | undefined>) | undefined;
  clock: Clock;
  log: Logger;
  timing: HostRunTiming;
}

/** Persists the deployment the host belongs to; resolves once durable. */
export type Save = () => Promise<void>;

const asFailure = (err: unknown): StepFailure =>
  err instanceof StepFailure
    ? err
    : new StepFailure('permanent', err instanceof Error ? err.message : String(err));

export class HostRun {
  constructor(private readonly deps: HostRunDeps) {}

  private iso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  private keep(h: HostState, ...steps: StepRecord[]): void {
    h.steps.push(...steps);
    capList(h.steps, MAX_STEPS);
  }

  private finish(d: Deployment, h: HostState, outcome: HostOutcome, reason?: string, trip = true): void {
    Object.assign(h, { outcome, phase: 'done', finishedAt: this.iso() });
    delete h.intent;
    if (reason) h.reason = reason;
    else delete h.reason;
    if (outcome !== 'failed' || !trip) return;
    for (const u of h.change.upgrades) {
      const update = updateKey(u);
      if (d.breakers.some((b) => b.hostId === h.hostId && b.update === update && !b.resetAt)) continue;
      d.breakers.push({ hostId: h.hostId, update, trippedAt: this.iso(), reason: reason ?? 'failed' });
    }
  }

  /** Drive the host to an outcome (or leave it mid-phase when the signal aborts). */
  async run(d: Deployment, h: HostState, save: Save, signal: AbortSignal): Promise<void> {
    h.startedAt ??= this.iso();
    let exec: HostExecutor | undefined;
    try {
      exec = await this.deps.executors.forHost(h.hostId);
    } catch (err) {
      const f = asFailure(err);
      this.finish(d, h, f.kind === 'permanent' ? 'failed' : 'unreachable', f.reason, !f.refusedAccess);
      return save();
    }
    if (!exec) {
      this.finish(d, h, 'unreachable', 'no SSH access is set up for this host');
      return save();
    }
    while (!h.outcome) {
      // Interrupted mid-step (a crash, a lost connection): look at the host before anything else.
      // Looking is not an attempt, unless it fails.
      const reconciling = h.intent !== undefined;
      if (!reconciling) h.attempts++;
      await save();
      try {
        if (reconciling) await this.reconcileWith(h, exec, save, signal);
        else await this.attempt(d, h, exec, save, signal);
      } catch (err) {
        signal.throwIfAborted();
        if (reconciling) h.attempts++;
        await this.failed(d, h, asFailure(err), save, signal);
      }
    }
    await save();
  }

  private async failed(
    d: Deployment,
    h: HostState,
    f: StepFailure,
    save: Save,
    signal: AbortSignal,
  ): Promise<void> {
    if (f.record) this.keep(h, f.record);
    h.failures.push({ at: this.iso(), ...attemptOf(h), kind: f.kind, reason: f.reason });
    capList(h.failures, MAX_FAILURES);
    this.deps.log.warn('deploy step failed', { hostId: h.hostId, kind: f.kind, reason: f.reason });
    if (f.kind === 'unreachable') return this.finish(d, h, 'unreachable', f.reason);
    if (f.kind === 'permanent') return this.finish(d, h, 'failed', f.reason, !f.refusedAccess);
    if (h.attempts >= this.deps.timing.maxAttempts) {
      return this.finish(d, h, 'failed', `${f.reason} (after ${h.attempts} attempts)`);
    }
    await save();
    await this.deps.clock.sleep(this.deps.timing.backoffMs * 2 ** (h.attempts - 1), signal);
  }

  private async attempt(
    d: Deployment,
    h: HostState,
    exec: HostExecutor,
    save: Save,
    signal: AbortSignal,
  ): Promise<void> {
    if (h.phase !== 'rebooting' && h.phase !== 'verifying') {
      await this.awake(h, exec, save, signal);
      await this.prepare(h, exec, save, signal);
      h.intent = { step: 'install', at: this.iso() };
      h.phase = 'installing';
      await save(); // durable before the host changes
      const installed = await exec.install(h.change, signal);
      this.keep(h, ...installed.steps);
      delete h.intent;
      h.phase = 'rebooting';
      await save();
    }
    const rebootPending = h.phase === 'rebooting' ? await this.rebootStep(d, h, exec, save, signal) : false;
    h.phase = 'verifying';
    await save();
    const result = await this.deps.verifier.verify(h.change, signal);
    h.verified = result.verified.map(updateKey);
    if (result.missing.length) {
      const names = result.missing.map((u) => `${u.name} ${u.version}`).join(', ');
      throw new StepFailure('permanent', `installed, but the new inventory does not show ${names}`);
    }
    this.finish(d, h, rebootPending ? 'reboot-pending' : 'verified');
  }

  /** Wake the host if it does not answer; throws unreachable when it stays down. */
  private async awake(h: HostState, exec: HostExecutor, save: Save, signal: AbortSignal): Promise<void> {
    try {
      await exec.bootId(h.hostId, signal);
      return;
    } catch (err) {
      if (!(err instanceof StepFailure) || err.kind !== 'unreachable') throw err;
    }
    const target = await this.deps.wakeTarget?.(h.hostId);
    if (!this.deps.wake || !target) {
      throw new StepFailure(
        'unreachable',
        'the host does not answer and cannot be woken (no MAC or no Wake-on-LAN)',
      );
    }
    h.phase = 'waking';
    await save();
    await this.deps.wake.wake(target);
    const up = await this.pollBootId(h, exec, this.deps.timing.wakeDeadlineMs, () => true, signal);
    if (!up)
      throw new StepFailure(
        'unreachable',
        `sent a magic packet to ${target.mac}; the host did not answer in time`,
      );
  }

  private async prepare(h: HostState, exec: HostExecutor, save: Save, signal: AbortSignal): Promise<void> {
    h.phase = 'preflight';
    await save();
    const pre = await exec.preflight(h.change, signal);
    this.keep(h, ...pre.steps);
    if (pre.broken) {
      h.phase = 'recovering';
      await save();
      this.keep(h, await exec.recover(h.change, signal));
    }
    if (pre.freeBytes < this.deps.timing.minFreeBytes) {
      const mb = (n: number) => `${Math.floor(n / 1024 / 1024)} MB`;
      throw new StepFailure(
        'permanent',
        `only ${mb(pre.freeBytes)} free for packages; need ${mb(this.deps.timing.minFreeBytes)}`,
      );
    }
    h.phase = 'dry-run';
    await save();
    const dry = await exec.dryRun(h.change, signal);
    this.keep(h, dry.step);
    const checked = checkDryRun(h.change, dry);
    if (!checked.ok) throw new StepFailure('permanent', checked.reason);
    h.dryRun = checked.actions;
  }

  /** Reboot per policy; true when a reboot is needed but was not done (reboot pending). */
  private async rebootStep(
    d: Deployment,
    h: HostState,
    exec: HostExecutor,
    save: Save,
    signal: AbortSignal,
  ): Promise<boolean> {
    const policy = d.policy.reboot[h.group] ?? 'if-required';
    if (policy === 'never') return (await exec.rebootNeed(h.change, signal)).required;
    if (policy === 'if-required') {
      const need = await exec.rebootNeed(h.change, signal);
      if (!need.required) return false;
      if (!this.insideWindow(d, h)) return true;
    }
    const bootId = await exec.bootId(h.hostId, signal);
    h.intent = { step: 'reboot', at: this.iso(), bootId };
    await save();
    this.keep(h, await exec.reboot(h.hostId, signal));
    await this.awaitReboot(h, exec, bootId, signal);
    return false;
  }

  private insideWindow(d: Deployment, h: HostState): boolean {
    const w = d.policy.windows[h.group];
    return d.policy.now || !w || isOpen(parseWindow(w.text, w.zone), this.deps.clock.now());
  }

  private async awaitReboot(
    h: HostState,
    exec: HostExecutor,
    old: string,
    signal: AbortSignal,
  ): Promise<void> {
    const back = await this.pollBootId(
      h,
      exec,
      this.deps.timing.rebootDeadlineMs,
      (id) => id !== old,
      signal,
    );
    if (!back) throw new StepFailure('unreachable', 'the host did not come back with a new boot id in time');
    delete h.intent;
  }

  /** Ask for the boot id until `ok(id)` or the deadline; false on the deadline. */
  private async pollBootId(
    h: HostState,
    exec: HostExecutor,
    deadlineMs: number,
    ok: (id: string) => boolean,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { clock, timing } = this.deps;
    const deadline = clock.now() + deadlineMs;
    for (;;) {
      try {
        if (ok(await exec.bootId(h.hostId, signal))) return true;
      } catch (err) {
        if (!(err instanceof StepFailure) || err.kind === 'permanent') throw err;
      }
      if (clock.now() >= deadline) return false;
      await clock.sleep(Math.min(timing.pollMs, Math.max(0, deadline - clock.now())), signal);
    }
  }

  /** The appliance stopped (or lost the connection) mid-step: find out what really happened. */
  private async reconcileWith(
    h: HostState,
    exec: HostExecutor,
    save: Save,
    signal: AbortSignal,
  ): Promise<void> {
    const intent = h.intent!;
    const note = (reason: string) =>
      h.failures.push({ at: this.iso(), ...attemptOf(h), kind: 'reconciled', reason });
    if (intent.step === 'reboot') {
      await this.awaitReboot(h, exec, intent.bootId ?? '', signal);
      note(
        'the reboot broke off (appliance stopped or connection lost); the host is back with a new boot id',
      );
      h.phase = 'verifying';
    } else {
      const result = await this.deps.verifier.verify(h.change, signal);
      h.verified = result.verified.map(updateKey);
      delete h.intent;
      if (result.missing.length === 0) {
        note(
          'the install broke off (appliance stopped or connection lost); the new inventory shows every fixed version, so it is not run again',
        );
        h.phase = 'rebooting';
      } else {
        note(
          `the install broke off; the new inventory still misses ${result.missing.map((u) => u.name).join(', ')}, so it runs again`,
        );
        h.phase = 'preflight';
      }
    }
    capList(h.failures, MAX_FAILURES);
    await save();
  }
}
