/**
 * The appliance updates its own package: inside its window, through its own cache, from the one
 * repository its sources file names. The new version must then answer /healthz with no problem it
 * did not have before within the deadline, or the installed version's own package goes back.
 *
 * Each phase is written to the status file before it starts. A run killed at any point (kill -9,
 * power cut) leaves a phase other than `idle`, and the next run finishes that update from what
 * dpkg says is installed: it verifies, or rolls back, but never installs the same update twice
 * blindly.
 */

import { isOpen, type MaintenanceWindow, nextOpen } from '../deploy/policy/windows.js';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Outcome, StatusStore, UpdateStatus } from './status.js';

export interface Health {
  status: string;
  version: string;
  problems: { source: string; message: string }[];
}

/** What the updater needs from the machine: dpkg, apt and the daemon's /healthz. */
export interface UpdateSystem {
  installedVersion(): Promise<string | undefined>;
  /** Finish whatever dpkg left half done (`dpkg --configure -a`). */
  repair(): Promise<void>;
  /** Refresh the repository's index only. */
  refresh(): Promise<void>;
  candidateVersion(): Promise<string | undefined>;
  isNewer(candidate: string, installed: string): Promise<boolean>;
  /** Fetch a version's package (verified by apt against the signed index); its path. */
  download(version: string): Promise<string>;
  /** A copy of the installed version's own package to go back to, or undefined. */
  rollbackPackage(version: string): Promise<string | undefined>;
  install(deb: string): Promise<void>;
  /**
   * Keep a copy of the daemon's state file before the install (the new version may migrate it to
   * a shape the old one refuses), and put it back, with the daemon stopped, before a rollback.
   */
  snapshotState(): Promise<void>;
  restoreState(): Promise<void>;
  /** Keep the package now installed as the next update's way back. */
  keepAsInstalled(deb: string): Promise<void>;
  health(): Promise<Health | undefined>;
}

export interface UpdaterOptions {
  system: UpdateSystem;
  status: StatusStore;
  window: MaintenanceWindow;
  healthTimeoutMs: number;
  log: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
}

export type RunResult =
  | { kind: 'outside-window'; opensAt: number }
  | { kind: 'up-to-date'; installed: string }
  | { kind: 'available'; installed: string; available: string }
  | { kind: 'done'; outcome: Outcome; from: string; to: string; message: string };

/** A problem's identity across versions: its words, not its figures ("only 301 MiB free" stays one problem). */
const problemKey = (p: { source: string; message: string }): string =>
  `${p.source}: ${p.message.replace(/\d+(\.\d+)?/g, '#')}`;

export class SelfUpdater {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: UpdaterOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** One run: finish an interrupted update, else check, and update when allowed. */
  async run(options: { anyTime?: boolean; checkOnly?: boolean } = {}): Promise<RunResult> {
    const { system, status } = this.opts;
    const before = await status.read();
    if (before.phase !== 'idle') return this.reconcile(before);
    if (!options.anyTime && !options.checkOnly && !isOpen(this.opts.window, this.now())) {
      return { kind: 'outside-window', opensAt: nextOpen(this.opts.window, this.now()) };
    }
    const installed = await system.installedVersion();
    if (!installed) {
      throw new DepotError(
        'BAD_INPUT',
        'the package is not installed by dpkg: self-update only updates an installed .deb',
      );
    }
    await system.refresh();
    const available = await system.candidateVersion();
    await status.write({ ...before, checkedAt: this.iso(), installed, available });
    if (!available || !(await system.isNewer(available, installed))) return { kind: 'up-to-date', installed };
    if (options.checkOnly) return { kind: 'available', installed, available };
    return this.update(installed, available);
  }

  private async update(from: string, to: string): Promise<RunResult> {
    const { system, status, log } = this.opts;
    const base = await status.read();
    const rollbackDeb = await system.rollbackPackage(from);
    if (!rollbackDeb) {
      const message = `no copy of the installed package ${from} to roll back to, so ${to} is not installed; put that version's .deb in the self-update directory`;
      await status.write({ ...base, outcome: 'failed', from, to, endedAt: this.iso(), message });
      return { kind: 'done', outcome: 'failed', from, to, message };
    }
    const deb = await system.download(to);
    const problemsBefore = ((await system.health())?.problems ?? []).map(problemKey);
    log.info('self-update: installing', { from, to });
    const started: UpdateStatus = {
      ...base,
      phase: 'installing',
      from,
      to,
      startedAt: this.iso(),
      rollbackDeb,
      deb,
      problemsBefore,
      outcome: undefined,
      endedAt: undefined,
      message: undefined,
    };
    await system.snapshotState();
    await status.write(started);
    try {
      await system.install(deb);
    } catch (err) {
      return this.rollBack(started, `installing ${to} failed: ${(err as Error).message}`);
    }
    await status.write({ ...started, phase: 'verifying' });
    return this.verify({ ...started, phase: 'verifying' });
  }

  /** Wait for `version` to answer /healthz with no new problem; the reason it did not, or undefined. */
  private async healthy(version: string, problemsBefore: string[]): Promise<string | undefined> {
    const deadline = this.now() + this.opts.healthTimeoutMs;
    let last = 'it did not answer /healthz';
    for (;;) {
      const h = await this.opts.system.health().catch(() => undefined);
      if (h && h.version === version) {
        const fresh = h.problems.map(problemKey).filter((p) => !problemsBefore.includes(p));
        if (fresh.length === 0) return undefined;
        last = `it reported ${fresh.join('; ')}`;
      } else if (h) {
        last = `version ${h.version} answered /healthz, not ${version}`;
      }
      if (this.now() >= deadline) return last;
      await this.sleep(this.opts.pollMs ?? 2000);
    }
  }

  private async verify(current: UpdateStatus): Promise<RunResult> {
    const { system, status, log, healthTimeoutMs } = this.opts;
    const from = current.from!;
    const to = current.to!;
    const problem = await this.healthy(to, current.problemsBefore ?? []);
    if (problem)
      return this.rollBack(current, `${to} was not healthy within ${healthTimeoutMs / 1000} s: ${problem}`);
    if (current.deb) await system.keepAsInstalled(current.deb);
    const message = `updated from ${from} to ${to}`;
    log.info(`self-update: ${message}`);
    await status.write({
      ...current,
      phase: 'idle',
      outcome: 'updated',
      endedAt: this.iso(),
      message,
      rollbackDeb: undefined,
      deb: undefined,
    });
    return { kind: 'done', outcome: 'updated', from, to, message };
  }

  private async rollBack(current: UpdateStatus, reason: string): Promise<RunResult> {
    const { system, status, log } = this.opts;
    const from = current.from!;
    const to = current.to!;
    log.warn(`self-update: rolling back to ${from}`, { reason });
    const rolling: UpdateStatus = { ...current, phase: 'rolling-back', message: reason };
    await status.write(rolling);
    let outcome: Outcome = 'rolled-back';
    let message = `${reason}; rolled back to ${from}`;
    try {
      await system.repair().catch(() => undefined);
      await system.restoreState();
      await system.install(current.rollbackDeb!);
      const problem = await this.healthy(from, current.problemsBefore ?? []);
      if (problem) {
        outcome = 'rollback-failed';
        message = `${reason}; ${from} was put back but is not healthy: ${problem}`;
      }
    } catch (err) {
      outcome = 'rollback-failed';
      message = `${reason}; putting ${from} back failed: ${(err as Error).message}`;
    }
    (outcome === 'rolled-back' ? log.warn : log.error).call(log, `self-update: ${message}`);
    await status.write({ ...rolling, phase: 'idle', outcome, endedAt: this.iso(), message });
    return { kind: 'done', outcome, from, to, message };
  }

  /** A run that was killed: finish it from what dpkg says is installed now. */
  private async reconcile(current: UpdateStatus): Promise<RunResult> {
    const { system, status, log } = this.opts;
    log.warn('self-update: finishing an interrupted update', {
      phase: current.phase,
      from: current.from,
      to: current.to,
    });
    await system.repair();
    if (current.phase === 'rolling-back') return this.rollBack(current, current.message ?? 'interrupted');
    const installed = await system.installedVersion();
    if (installed === current.to) return this.verify({ ...current, phase: 'verifying' });
    if (installed !== undefined && installed === current.from) {
      const message = `the update to ${current.to} was interrupted before it was installed; ${current.from} is still running, and the next run tries again`;
      await status.write({ ...current, phase: 'idle', outcome: 'failed', endedAt: this.iso(), message });
      return { kind: 'done', outcome: 'failed', from: installed, to: current.to!, message };
    }
    return this.rollBack(
      current,
      `the update was interrupted and left version ${installed ?? 'none'} installed`,
    );
  }
}
