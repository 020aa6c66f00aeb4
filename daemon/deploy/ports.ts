/**
 * Deployment's seams. The orchestration (plan, policy/, the deployment runner) sees hosts only
 * through these interfaces; executors/ (apt, dnf, apk over remote/), reboot.ts and wol.ts are the
 * real adapters, tested against lab hosts; unit tests use in-memory fakes of the same interfaces.
 */
import type { Ecosystem } from '../platform.js';

/** One package to bring to one version on one host, and the advisories that upgrade closes. */
export interface PackageUpgrade {
  /** Binary package name as the host's package tool knows it. */
  name: string;
  /** The version to install (the fixed version or the newest the repository offers above it). */
  version: string;
  advisories: string[];
}

/** What to change on one host: the smallest upgrade set closing the selected fixes. */
export interface HostChange {
  hostId: string;
  ecosystem: Ecosystem;
  upgrades: PackageUpgrade[];
  /** Packages the admin explicitly allowed the transaction to remove, by name. */
  allowRemove: string[];
}

/** One change the package tool reports it would make (from a dry run) or made. */
export interface PackageAction {
  action: 'install' | 'upgrade' | 'downgrade' | 'remove' | 'configure';
  name: string;
  from?: string | undefined;
  to?: string | undefined;
}

/** The exact record of one remote command: kept with the host's result, capped. */
export interface StepRecord {
  /** What the step is, in words: `preflight`, `dry-run`, `install`, `recover`, `reboot`... */
  step: string;
  /** The command line as run on the host (no secrets in it). */
  command: string;
  stdout: string;
  stderr: string;
  /** null when the command died from a signal or the connection was lost. */
  exitCode: number | null;
  startedAt: string;
  finishedAt: string;
  /** stdout/stderr were cut at the cap. */
  truncated: boolean;
}

/**
 * Why a step failed, for retries and the breaker:
 * - `transient`: worth retrying with backoff (dpkg lock held past the timeout, connection lost);
 * - `permanent`: retrying will not help (postinst failed, package not found, removal refused);
 * - `unreachable`: the host did not answer SSH (or did not come back from a reboot in time).
 */
export type FailureKind = 'transient' | 'permanent' | 'unreachable';

export class StepFailure extends Error {
  /**
   * The host refused the appliance's login (a changed host key, a rejected login) before anything
   * ran on it: the host's access is at fault, not the update, so no breaker trips for it.
   */
  readonly refusedAccess: boolean;

  constructor(
    readonly kind: FailureKind,
    /** One line a technician can act on. */
    readonly reason: string,
    readonly record?: StepRecord | undefined,
    opts: { refusedAccess?: boolean } = {},
  ) {
    super(reason);
    this.name = 'StepFailure';
    this.refusedAccess = opts.refusedAccess ?? false;
  }
}

export interface PreflightResult {
  steps: StepRecord[];
  /** Free bytes where the package tool downloads and unpacks (e.g. /var/cache/apt/archives). */
  freeBytes: number;
  /** `dpkg --audit` (or the ecosystem's equivalent) found half-installed packages. */
  broken: boolean;
}

export interface DryRunResult {
  step: StepRecord;
  /** Every change the transaction would make, dependencies included. */
  actions: PackageAction[];
}

export interface InstallResult {
  steps: StepRecord[];
  actions: PackageAction[];
}

export interface RebootNeed {
  required: boolean;
  /** Where the need was read from: `/var/run/reboot-required`, `needrestart -b`... */
  source?: string | undefined;
}

/**
 * Runs package work on one host. Every method throws StepFailure (never a bare Error) so the
 * runner can classify it; every method records the commands it ran.
 */
export interface HostExecutor {
  preflight(change: HostChange, signal?: AbortSignal): Promise<PreflightResult>;
  /** Simulate the transaction (`apt-get -s`, `dnf --assumeno`); changes nothing. */
  dryRun(change: HostChange, signal?: AbortSignal): Promise<DryRunResult>;
  /** Install; refuses (permanent StepFailure) a transaction that would remove a package not in `allowRemove`. */
  install(change: HostChange, signal?: AbortSignal): Promise<InstallResult>;
  /** Repair an interrupted package tool (`dpkg --configure -a`). */
  recover(change: HostChange, signal?: AbortSignal): Promise<StepRecord>;
  rebootNeed(change: HostChange, signal?: AbortSignal): Promise<RebootNeed>;
  /** The host's boot id (`/proc/sys/kernel/random/boot_id`), to tell a reboot happened. */
  bootId(hostId: string, signal?: AbortSignal): Promise<string>;
  /** Ask the host to reboot; resolves once the command was accepted (the connection may drop). */
  reboot(hostId: string, signal?: AbortSignal): Promise<StepRecord>;
}

/**
 * Picks the executor for a host (by its ecosystem and SSH target); undefined when it has no
 * access. Throws a StepFailure when the host cannot be deployed to for another reason.
 */
export interface ExecutorFactory {
  forHost(hostId: string): Promise<HostExecutor | undefined>;
}

/** Wake-on-LAN: a magic packet to the subnet-directed broadcast facing `address`, only inside a scope. */
export interface WakeSender {
  wake(target: WakeTarget): Promise<void>;
}

/** A machine to wake: its MAC, the address it answers at once up, optional SecureOn password. */
export interface WakeTarget {
  mac: string;
  address: string;
  secureOn?: string | undefined;
  /** The SSH port the woken host must open (the one its access was given for; default 22). */
  port?: number | undefined;
}

/** Re-inventory and re-assess one host after install: which upgrades the new inventory shows as done. */
export interface Verifier {
  verify(
    change: HostChange,
    signal?: AbortSignal,
  ): Promise<{ verified: PackageUpgrade[]; missing: PackageUpgrade[] }>;
}

/** Where a host ends, per deployment. */
export const HOST_OUTCOMES = [
  'verified',
  'reboot-pending',
  'failed',
  'not-applicable',
  'unreachable',
] as const;
export type HostOutcome = (typeof HOST_OUTCOMES)[number];
