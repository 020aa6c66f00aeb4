/**
 * An in-memory site for deployment tests: hosts with installed package versions, an executor per
 * host (the HostExecutor port), a verifier that reads the hosts' versions and a Wake-on-LAN
 * sender. Every step call is recorded as `host:step`, so tests assert what ran, in which order
 * and how often. Failures, a held install, a host that is down and needed reboots are set per host.
 */

import { findingsOf } from '../../daemon/assess/assess.js';
import type { HostAssessment, MissingFix } from '../../daemon/assess/types.js';
import { compareDpkg } from '../../daemon/catalog/versions/dpkg-version.js';
import {
  type ExecutorFactory,
  type HostChange,
  type HostExecutor,
  type PackageUpgrade,
  StepFailure,
  type StepRecord,
  type Verifier,
  type WakeSender,
} from '../../daemon/deploy/ports.js';

export interface FakeHostOptions {
  installed: Record<string, string>;
  /** install throws this (each time, or for the first `times` calls). */
  installFails?: { kind: StepFailure['kind']; reason: string; times?: number };
  /** install waits for this before it returns (a step in flight when the "appliance dies"). */
  holdInstall?: Promise<void>;
  /** Does not answer until woken. */
  down?: boolean;
  mac?: string;
  rebootRequired?: boolean;
  /** The dry run also reports these removals. */
  removes?: string[];
  /** No executor can drive this host (e.g. its package tool): forHost throws this. */
  noExecutor?: StepFailure;
  /** The host refuses the login (as connectFailure reports it): every step throws this. */
  refuses?: StepFailure;
}

interface FakeHost extends FakeHostOptions {
  boot: number;
  installs: number;
}

/** A step record as a fake executor returns it. */
export const record = (step: string): StepRecord => ({
  step,
  command: step,
  stdout: '',
  stderr: '',
  exitCode: 0,
  startedAt: '2026-11-23T10:00:00.000Z',
  finishedAt: '2026-11-23T10:00:00.000Z',
  truncated: false,
});

export class FakeSite implements ExecutorFactory, Verifier, WakeSender {
  readonly hosts = new Map<string, FakeHost>();
  readonly calls: string[] = [];
  readonly woken: string[] = [];

  add(hostId: string, opts: FakeHostOptions): this {
    this.hosts.set(hostId, { ...opts, installed: { ...opts.installed }, boot: 1, installs: 0 });
    return this;
  }

  host(hostId: string): FakeHost {
    const h = this.hosts.get(hostId);
    if (!h) throw new Error(`no fake host ${hostId}`);
    return h;
  }

  /** Calls of one step, as `host:step`. */
  ran(step: string): string[] {
    return this.calls.filter((c) => c.endsWith(`:${step}`));
  }

  async forHost(hostId: string): Promise<HostExecutor | undefined> {
    const noExecutor = this.hosts.get(hostId)?.noExecutor;
    if (noExecutor) throw noExecutor;
    return this.hosts.has(hostId) ? this.executor(hostId) : undefined;
  }

  private up(hostId: string): FakeHost {
    const h = this.host(hostId);
    if (h.down) throw new StepFailure('unreachable', `${hostId} does not answer SSH`);
    if (h.refuses) throw h.refuses;
    return h;
  }

  private executor(hostId: string): HostExecutor {
    const call = (step: string) => {
      this.calls.push(`${hostId}:${step}`);
      return this.up(hostId);
    };
    return {
      preflight: async () => {
        call('preflight');
        return { steps: [record('preflight')], freeBytes: 10 * 1024 ** 3, broken: false };
      },
      dryRun: async (change) => {
        const h = call('dry-run');
        const actions = change.upgrades.map((u) => ({
          action: 'upgrade' as const,
          name: u.name,
          from: h.installed[u.name],
          to: u.version,
        }));
        for (const name of h.removes ?? [])
          actions.push({ action: 'remove' as never, name, from: '1', to: '' });
        return { step: record('dry-run'), actions };
      },
      install: (change) => this.install(change, call),
      recover: async () => {
        call('recover');
        return record('recover');
      },
      rebootNeed: async () => ({ required: call('reboot-need').rebootRequired ?? false }),
      bootId: async () => `boot-${this.up(hostId).boot}`,
      reboot: async () => {
        const h = call('reboot');
        h.boot++;
        h.rebootRequired = false;
        return record('reboot');
      },
    };
  }

  private async install(change: HostChange, call: (s: string) => FakeHost) {
    const h = call('install');
    h.installs++;
    const fail = h.installFails;
    if (fail && (fail.times === undefined || h.installs <= fail.times)) {
      throw new StepFailure(fail.kind, fail.reason, record('install'));
    }
    await h.holdInstall;
    for (const u of change.upgrades) h.installed[u.name] = u.version;
    return { steps: [record('install')], actions: [] };
  }

  async verify(change: HostChange): Promise<{ verified: PackageUpgrade[]; missing: PackageUpgrade[] }> {
    this.calls.push(`${change.hostId}:verify`);
    const h = this.up(change.hostId);
    const done = (u: PackageUpgrade) => compareDpkg(h.installed[u.name] ?? '0', u.version) >= 0;
    return { verified: change.upgrades.filter(done), missing: change.upgrades.filter((u) => !done(u)) };
  }

  async wake(target: { mac: string; address: string }): Promise<void> {
    this.woken.push(target.mac);
    for (const h of this.hosts.values()) if (h.mac === target.mac) h.down = false;
  }

  /** The wake target of a host (its MAC, a lab address). */
  wakeTarget = async (hostId: string) => {
    const mac = this.hosts.get(hostId)?.mac;
    return mac ? { mac, address: '10.99.0.1' } : undefined;
  };
}

/** A dpkg host assessment missing `fixes` (source-keyed unless they say otherwise). */
export const assessment = (hostId: string, fixes: Array<Partial<MissingFix>>): HostAssessment => ({
  hostId,
  release: 'debian:bookworm',
  ecosystem: 'dpkg',
  covered: true,
  packages: 100,
  findings: findingsOf(
    fixes.map((f) => ({
      advisoryId: 'DSA-1',
      cves: [],
      severity: 'high',
      summary: 'a fix',
      feedId: 'debian',
      package: 'openssl',
      packageKind: 'source',
      binaries: ['openssl', 'libssl3'],
      installed: '3.0.1-1',
      fixed: '3.0.2-1',
      ...f,
    })),
  ),
  unfixed: 0,
  bySeverity: { critical: 0, high: fixes.length, medium: 0, low: 0, negligible: 0, unknown: 0 },
  compliant: false,
  rebootRequired: false,
  collectedAt: '2026-11-23T09:00:00.000Z',
});
