/**
 * The HostExecutor for Debian-family hosts: apt-get and dpkg over SSH, as root or through
 * `sudo -n`. Each method opens its own session (a host that rebooted or dropped us between steps
 * is simply logged in to again) and closes it. Nothing changes the host permanently except
 * install itself, recover, reboot, and `onboard`, which an admin calls explicitly.
 */
import type { Clock } from '../../lifecycle.js';
import type { RemoteSession } from '../../remote/ports.js';
import { shellQuote } from '../../remote/shell-quote.js';
import { DEBIAN_ROOT_PROGRAMS, type RootOptions } from '../../remote/sudo.js';
import {
  type DryRunResult,
  type HostChange,
  type HostExecutor,
  type InstallResult,
  type PreflightResult,
  type RebootNeed,
  StepFailure,
  type StepRecord,
} from '../ports.js';
import { BOOT_ID_COMMAND, parseBootId, parseRebootNeed, REBOOT_NEED_SCRIPT } from '../reboot.js';
import { APT_ENV, type AptSettings, aptChecks, aptCommands, onboardFile } from './apt-commands.js';
import {
  classifyAptFailure,
  parseAptSimulation,
  parseDfAvailable,
  parseDpkgAudit,
  refusedRemovals,
} from './apt-output.js';
import { connectFailure, RemoteSteps } from './remote-steps.js';

export interface AptExecutorOptions {
  /** Log in to the host (pinned host key, stored credentials). */
  open: (signal?: AbortSignal) => Promise<RemoteSession>;
  username: string;
  /** `user@host:port`, for messages. */
  label: string;
  clock: Clock;
  settings: AptSettings;
  /** Longest one command may run: the lock wait plus a large upgrade. */
  commandTimeoutMs: number;
  maxOutputBytes: number;
  /** Refresh the package lists (through the cache) in preflight; default true. */
  refreshLists?: boolean | undefined;
  recordCap?: number | undefined;
}

/** The default name of the file "onboard this host" writes under /etc/apt/apt.conf.d. */
export const ONBOARD_NAME = '90patch-depot';

const shell = (script: string): string => `LC_ALL=C /bin/sh -c ${shellQuote(script)}`;

export class AptExecutor implements HostExecutor {
  constructor(private readonly opts: AptExecutorOptions) {}

  private rootOptions(): RootOptions {
    return {
      username: this.opts.username,
      label: this.opts.label,
      programs: DEBIAN_ROOT_PROGRAMS,
      setenv: true,
    };
  }

  /** Open a session, run `fn` with it, close it; login failures become StepFailures. */
  private async session<T>(
    fn: (steps: RemoteSteps) => Promise<T>,
    signal?: AbortSignal,
    root: RootOptions = this.rootOptions(),
  ): Promise<T> {
    const session = await this.opts.open(signal).catch((err: unknown) => {
      throw connectFailure(err);
    });
    try {
      const { clock, commandTimeoutMs: timeoutMs, maxOutputBytes, recordCap } = this.opts;
      return await fn(new RemoteSteps({ session, root, clock, timeoutMs, maxOutputBytes, recordCap }));
    } finally {
      session.close();
    }
  }

  private asRoot(steps: RemoteSteps, step: string, argv: readonly string[], signal?: AbortSignal) {
    return steps.root(step, argv, { env: APT_ENV }, signal).then(succeeded);
  }

  preflight(_change: HostChange, signal?: AbortSignal): Promise<PreflightResult> {
    return this.session(async (steps) => {
      const audit = await steps.plain('preflight: dpkg --audit', aptChecks.audit, signal);
      if (audit.exitCode !== 0) throw classifyAptFailure(audit);
      const df = await steps.plain('preflight: free space', aptChecks.freeSpace, signal);
      let freeBytes: number;
      try {
        if (df.exitCode !== 0) throw new Error(df.stderr.trim() || `exit ${df.exitCode}`);
        freeBytes = parseDfAvailable(df.stdout);
      } catch (err) {
        throw new StepFailure(
          'permanent',
          `preflight: cannot read free space: ${(err as Error).message}`,
          df,
        );
      }
      const records = [audit, df];
      if (this.opts.refreshLists ?? true) {
        records.push(
          await this.asRoot(
            steps,
            'preflight: apt-get update',
            aptCommands.update(this.opts.settings),
            signal,
          ),
        );
      }
      return { steps: records, freeBytes, broken: parseDpkgAudit(audit.stdout) };
    }, signal);
  }

  dryRun(change: HostChange, signal?: AbortSignal): Promise<DryRunResult> {
    return this.session((steps) => this.simulate(steps, change, signal), signal);
  }

  private async simulate(
    steps: RemoteSteps,
    change: HostChange,
    signal?: AbortSignal,
  ): Promise<DryRunResult> {
    const argv = aptCommands.simulate(change.upgrades, this.opts.settings);
    const step = await this.asRoot(steps, 'dry-run', argv, signal);
    return { step, actions: parseAptSimulation(step.stdout) };
  }

  /** The dry run first, in the same session: a removal not in `allowRemove` stops before apt-get -y. */
  install(change: HostChange, signal?: AbortSignal): Promise<InstallResult> {
    return this.session(async (steps) => {
      const dry = await this.simulate(steps, change, signal);
      const refused = refusedRemovals(dry.actions, change.allowRemove);
      if (refused.length > 0) {
        throw new StepFailure(
          'permanent',
          `install refused: the transaction would remove ${refused.join(', ')}, which the deployment does not allow (allow each by name to go ahead)`,
          dry.step,
        );
      }
      const argv = aptCommands.install(change.upgrades, this.opts.settings);
      const done = await this.asRoot(steps, 'install', argv, signal);
      return { steps: [dry.step, done], actions: dry.actions };
    }, signal);
  }

  recover(_change: HostChange, signal?: AbortSignal): Promise<StepRecord> {
    return this.session((steps) => this.asRoot(steps, 'recover', aptCommands.recover, signal), signal);
  }

  rebootNeed(_change: HostChange, signal?: AbortSignal): Promise<RebootNeed> {
    return this.session(async (steps) => {
      const r = await steps.plain('reboot check', shell(REBOOT_NEED_SCRIPT), signal);
      if (r.exitCode !== 0) throw new StepFailure('permanent', `reboot check: exit ${r.exitCode}`, r);
      return parseRebootNeed(r.stdout);
    }, signal);
  }

  bootId(_hostId: string, signal?: AbortSignal): Promise<string> {
    return this.session(async (steps) => {
      const r = await steps.plain('boot id', BOOT_ID_COMMAND, signal);
      if (r.exitCode !== 0) throw new StepFailure('permanent', `boot id: ${r.stderr.trim()}`, r);
      return parseBootId(r.stdout);
    }, signal);
  }

  /** The connection dropping under the command is the reboot happening, not a failure. */
  reboot(_hostId: string, signal?: AbortSignal): Promise<StepRecord> {
    return this.session(async (steps) => {
      try {
        const r = await steps.root('reboot', aptCommands.reboot, {}, signal);
        if (r.exitCode !== 0)
          throw new StepFailure('permanent', `reboot refused: exit ${r.exitCode} ${r.stderr.trim()}`, r);
        return r;
      } catch (err) {
        if (err instanceof StepFailure && err.kind === 'transient' && err.record) return err.record;
        throw err;
      }
    }, signal);
  }

  /**
   * "Onboard this host": write /etc/apt/apt.conf.d/<name> so every apt run on the host fetches
   * through the cache. Only on an admin's explicit request; a sudo login needs its own rule for
   * exactly this file, which the error gives.
   */
  onboard(name = ONBOARD_NAME, signal?: AbortSignal): Promise<StepRecord> {
    const { proxyUrl } = this.opts.settings;
    if (proxyUrl === undefined)
      throw new StepFailure('permanent', 'onboard: no cache proxy URL for this host');
    const file = onboardFile(name, proxyUrl);
    const root: RootOptions = {
      username: this.opts.username,
      label: this.opts.label,
      programs: ['/usr/bin/tee'],
      grant: [`/usr/bin/tee ${file.path}`],
    };
    return this.session(
      (steps) =>
        steps.root('onboard', ['/usr/bin/tee', file.path], { input: file.content }, signal).then(succeeded),
      signal,
      root,
    );
  }
}

/** The record when its command exited 0; else the classified failure. */
const succeeded = (record: StepRecord): StepRecord => {
  if (record.exitCode !== 0) throw classifyAptFailure(record);
  return record;
};
