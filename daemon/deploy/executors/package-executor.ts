/**
 * One HostExecutor for every package tool: the SSH sessions, the dry run before install in the
 * same session (a removal the deployment does not allow stops before anything changes), the
 * reboot check, the boot id and the reboot. What differs per tool (apt, dnf, apk: its command
 * lines, environment, output and failure messages, and its preflight) is a PackageTool. Each
 * method opens its own session (a host that rebooted or dropped us between steps is simply
 * logged in to again) and closes it.
 */
import type { Clock } from '../../lifecycle.js';
import type { RemoteSession } from '../../remote/ports.js';
import { shellQuote } from '../../remote/shell-quote.js';
import type { RootOptions } from '../../remote/sudo.js';
import {
  type DryRunResult,
  type HostChange,
  type HostExecutor,
  type InstallResult,
  type PackageAction,
  type PreflightResult,
  type RebootNeed,
  StepFailure,
  type StepRecord,
} from '../ports.js';
import { BOOT_ID_COMMAND, parseBootId, parseRebootNeed, REBOOT_NEED_SCRIPT } from '../reboot.js';
import { connectFailure, RemoteSteps } from './remote-steps.js';

/** The steps a tool's preflight may run: read-only as the login user, or its programs as root. */
export interface ToolSteps {
  /** A read-only command as the login user; resolves whatever its exit status. */
  plain(step: string, command: string): Promise<StepRecord>;
  /** One of the tool's programs as root; the record when it exited 0, else the classified failure. */
  root(step: string, argv: readonly string[]): Promise<StepRecord>;
  /** The same, resolving whatever the exit status (a check whose non-zero exit is an answer). */
  rootAny(step: string, argv: readonly string[]): Promise<StepRecord>;
}

export interface PackageTool {
  /** Absolute paths of what runs as root (the sudoers line names them). */
  programs: readonly string[];
  /** Variables on every root command (non-interactive, C locale, the proxy for apk). */
  env: Readonly<Record<string, string>>;
  preflight(steps: ToolSteps, change: HostChange): Promise<PreflightResult>;
  /** The transaction as a dry run: changes nothing, prints what it would do. */
  simulate(change: HostChange): string[];
  /** A dry run's own success (dnf --assumeno exits 1 after printing the transaction). */
  simulated?(record: StepRecord): boolean;
  parseActions(stdout: string): PackageAction[];
  install(change: HostChange): string[];
  /**
   * A failure an install that exited 0 still reports (rpm keeps a package whose %post failed
   * installed, and dnf exits 0): the host fails with it rather than passing as verified.
   */
  installProblem?(record: StepRecord): StepFailure | undefined;
  recover: readonly string[];
  reboot: readonly string[];
  classify(record: StepRecord): StepFailure;
}

export interface ExecutorOptions {
  /** Log in to the host (pinned host key, stored credentials). */
  open: (signal?: AbortSignal) => Promise<RemoteSession>;
  username: string;
  /** `user@host:port`, for messages. */
  label: string;
  clock: Clock;
  /** Longest one command may run: the lock wait plus a large upgrade. */
  commandTimeoutMs: number;
  maxOutputBytes: number;
  recordCap?: number | undefined;
}

const shell = (script: string): string => `LC_ALL=C /bin/sh -c ${shellQuote(script)}`;

/** Removals the admin did not allow, by name. */
export const refusedRemovals = (
  actions: readonly PackageAction[],
  allowRemove: readonly string[],
): string[] =>
  actions.filter((a) => a.action === 'remove' && !allowRemove.includes(a.name)).map((a) => a.name);

/** `df -Pk PATH`: the available bytes on its filesystem (the 4th column of the line after the header). */
export const parseDfAvailable = (stdout: string): number => {
  const line = stdout.trim().split('\n')[1];
  const kib = line?.trim().split(/\s+/)[3];
  if (!line || !kib || !/^\d+$/.test(kib)) throw new Error(`unexpected df output: ${stdout.slice(0, 200)}`);
  return Number(kib) * 1024;
};

/** Free bytes from a `df -Pk` step, a permanent failure when it cannot be read. */
export const freeBytesOf = (df: StepRecord): number => {
  try {
    if (df.exitCode !== 0) throw new Error(df.stderr.trim() || `exit ${df.exitCode}`);
    return parseDfAvailable(df.stdout);
  } catch (err) {
    throw new StepFailure('permanent', `preflight: cannot read free space: ${(err as Error).message}`, df);
  }
};

/**
 * A command line from the plan; a name or version the tool's rules refuse (an inventory can hold
 * anything a host reported) fails the host before anything is sent.
 */
const argvOf = (build: () => string[]): string[] => {
  try {
    return build();
  } catch (err) {
    throw new StepFailure('permanent', `the plan cannot be run: ${(err as Error).message}`);
  }
};

export class PackageExecutor implements HostExecutor {
  constructor(
    protected readonly opts: ExecutorOptions,
    protected readonly tool: PackageTool,
  ) {}

  protected rootOptions(): RootOptions {
    const { username, label } = this.opts;
    return { username, label, programs: this.tool.programs, setenv: Object.keys(this.tool.env).length > 0 };
  }

  /** Open a session, run `fn` with it, close it; login failures become StepFailures. */
  protected async session<T>(
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

  /** Run one of the tool's programs as root; resolves whatever the exit status. */
  private rawRoot(steps: RemoteSteps, step: string, argv: readonly string[], signal?: AbortSignal) {
    return steps.root(step, argv, { env: this.tool.env }, signal);
  }

  protected asRoot(steps: RemoteSteps, step: string, argv: readonly string[], signal?: AbortSignal) {
    return this.rawRoot(steps, step, argv, signal).then((r) => this.succeeded(r));
  }

  /** The record when its command exited 0; else the classified failure. */
  protected succeeded(record: StepRecord): StepRecord {
    if (record.exitCode !== 0) throw this.tool.classify(record);
    return record;
  }

  preflight(change: HostChange, signal?: AbortSignal): Promise<PreflightResult> {
    return this.session(
      (steps) =>
        this.tool.preflight(
          {
            plain: (step, command) => steps.plain(step, command, signal),
            root: (step, argv) => this.asRoot(steps, step, argv, signal),
            rootAny: (step, argv) => this.rawRoot(steps, step, argv, signal),
          },
          change,
        ),
      signal,
    );
  }

  dryRun(change: HostChange, signal?: AbortSignal): Promise<DryRunResult> {
    return this.session((steps) => this.simulate(steps, change, signal), signal);
  }

  private async simulate(
    steps: RemoteSteps,
    change: HostChange,
    signal?: AbortSignal,
  ): Promise<DryRunResult> {
    const step = await this.rawRoot(
      steps,
      'dry-run',
      argvOf(() => this.tool.simulate(change)),
      signal,
    );
    const ok = this.tool.simulated ? this.tool.simulated(step) : step.exitCode === 0;
    if (!ok) throw this.tool.classify(step);
    return { step, actions: this.tool.parseActions(step.stdout) };
  }

  /** The dry run first, in the same session: a removal not in `allowRemove` stops before the install. */
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
      const done = await this.asRoot(
        steps,
        'install',
        argvOf(() => this.tool.install(change)),
        signal,
      );
      const problem = this.tool.installProblem?.(done);
      if (problem) throw problem;
      return { steps: [dry.step, done], actions: dry.actions };
    }, signal);
  }

  recover(_change: HostChange, signal?: AbortSignal): Promise<StepRecord> {
    return this.session((steps) => this.asRoot(steps, 'recover', this.tool.recover, signal), signal);
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
        const r = await steps.root('reboot', this.tool.reboot, {}, signal);
        if (r.exitCode !== 0)
          throw new StepFailure('permanent', `reboot refused: exit ${r.exitCode} ${r.stderr.trim()}`, r);
        return r;
      } catch (err) {
        if (err instanceof StepFailure && err.kind === 'transient' && err.record) return err.record;
        throw err;
      }
    }, signal);
  }
}
