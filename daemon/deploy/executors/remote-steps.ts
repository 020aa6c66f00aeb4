/**
 * One host's commands as StepRecords: each remote command run over a RemoteSession (as root
 * through sudo.ts when asked), its exact stdout, stderr and exit status kept, capped, with the
 * times it ran. SSH trouble becomes a StepFailure here, so no executor sees a bare RemoteError:
 * a host that cannot be reached is `unreachable`, a connection lost mid-command `transient`, a
 * missing sudo rule `permanent` (an admin has to add it; the message gives the line).
 */
import { type Clock, dateOf } from '../../lifecycle.js';
import type { RemoteSession } from '../../remote/ports.js';
import { asRemoteError, type RemoteError } from '../../remote/remote-error.js';
import { type RootExtras, type RootOptions, rootCommand, runAsRoot, sudoCommand } from '../../remote/sudo.js';
import { type FailureKind, StepFailure, type StepRecord } from '../ports.js';

/** Kept per stream in a record: the head and the tail, where apt and dpkg say what went wrong. */
export const DEFAULT_RECORD_CAP = 64 * 1024;

export interface RemoteStepsOptions {
  session: RemoteSession;
  root: RootOptions;
  clock: Clock;
  /** Longest any one command may run (apt waits up to DPkg::Lock::Timeout for the lock first). */
  timeoutMs: number;
  /** What the session may read back per command before stopping it. */
  maxOutputBytes: number;
  recordCap?: number | undefined;
}

/** `text` cut to `cap` bytes: the first and last halves, the middle replaced by a note. */
export const capText = (text: string, cap: number): { text: string; cut: boolean } => {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= cap) return { text, cut: false };
  const half = Math.floor(cap / 2);
  const head = bytes.subarray(0, half).toString('utf8');
  const tail = bytes.subarray(bytes.length - half).toString('utf8');
  return { text: `${head}\n[... ${bytes.length - 2 * half} bytes cut ...]\n${tail}`, cut: true };
};

const KIND_OF: Record<RemoteError['kind'], FailureKind> = {
  connect: 'transient',
  timeout: 'transient',
  aborted: 'transient',
  'output-limit': 'permanent',
  auth: 'permanent',
  'host-key-changed': 'permanent',
  command: 'permanent',
  privilege: 'permanent',
  unsupported: 'permanent',
};

/** A failure while logging in: the host did not answer (unreachable) or refused us (permanent). */
export const connectFailure = (err: unknown): StepFailure => {
  if (err instanceof StepFailure) return err;
  const remote = asRemoteError(err);
  const unreachable = remote.kind === 'connect' || remote.kind === 'timeout';
  const refusedAccess = remote.kind === 'auth' || remote.kind === 'host-key-changed';
  return new StepFailure(unreachable ? 'unreachable' : KIND_OF[remote.kind], remote.message, undefined, {
    refusedAccess,
  });
};

export class RemoteSteps {
  private readonly cap: number;

  constructor(private readonly opts: RemoteStepsOptions) {
    this.cap = opts.recordCap ?? DEFAULT_RECORD_CAP;
  }

  /** Run `argv` as root (sudo -n for other logins); resolves whatever the exit status. */
  root(
    step: string,
    argv: readonly string[],
    extras: RootExtras = {},
    signal?: AbortSignal,
  ): Promise<StepRecord> {
    const { root } = this.opts;
    const command = root.username === 'root' ? rootCommand(argv, extras) : sudoCommand(argv, extras);
    return this.record(step, command, () =>
      runAsRoot(this.opts.session, argv, this.limits(signal), root, extras),
    );
  }

  /** Run a read-only command as the login user, under /bin/sh and the C locale. */
  plain(step: string, command: string, signal?: AbortSignal): Promise<StepRecord> {
    return this.record(step, command, () => this.opts.session.exec(command, this.limits(signal)));
  }

  private limits(signal: AbortSignal | undefined) {
    return { timeoutMs: this.opts.timeoutMs, maxOutputBytes: this.opts.maxOutputBytes, signal };
  }

  private async record(
    step: string,
    command: string,
    run: () => Promise<{ stdout: string; stderr: string; exitCode: number | null }>,
  ): Promise<StepRecord> {
    const startedAt = dateOf(this.opts.clock).toISOString();
    try {
      const r = await run();
      const out = capText(r.stdout, this.cap);
      const err = capText(r.stderr, this.cap);
      return {
        step,
        command,
        stdout: out.text,
        stderr: err.text,
        exitCode: r.exitCode,
        startedAt,
        finishedAt: dateOf(this.opts.clock).toISOString(),
        truncated: out.cut || err.cut,
      };
    } catch (cause) {
      const remote = asRemoteError(cause);
      const record: StepRecord = {
        step,
        command,
        stdout: '',
        stderr: remote.message,
        exitCode: null,
        startedAt,
        finishedAt: dateOf(this.opts.clock).toISOString(),
        truncated: false,
      };
      throw new StepFailure(KIND_OF[remote.kind], `${step}: ${remote.message}`, record);
    }
  }
}
