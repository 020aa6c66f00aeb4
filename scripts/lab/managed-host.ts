/**
 * Managed lab hosts: machines with their own root filesystem, PID namespace and sshd, inside a lab
 * host's network namespace (managed-scripts.ts has the programs). A base layer is prepared once
 * per lab (the vendor's sources and key, the old package versions, the shims) and copied into each
 * host's own upper dir (a few MB; overlayfs refuses a second lower layer that lies inside `/`). The
 * upper dir is kept across the host's reboots, so what apt installs stays, and removed by `down`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { prepareRpmHost } from './managed-rpm.js';
import {
  bootScript,
  HOLD_LOCK,
  HOST_RUN,
  holdLockScript,
  rebootShim,
  sshdConfig,
  superviseScript,
  wolListener,
} from './managed-scripts.js';
import { hasCommand, namespacePids, run } from './netns.js';
import type { LabPlan, PlannedHost } from './spec.js';
import { FAIL_POSTINST_MARKER, HOST_KEYRING, NEEDS_REBOOT_MARKER, type VendorRepo } from './vendor-repo.js';
import type { VendorRpmRepo } from './vendor-rpm.js';

export const baseDir = (plan: LabPlan): string => join(plan.workDir, 'base');
export const hostDir = (plan: LabPlan, host: PlannedHost): string => join(plan.workDir, 'hosts', host.label);

/**
 * The shared layer every managed host sees over this machine's `/`: only the vendor's apt source
 * (signed-by its key), no other lists, the old lab packages installed, the reboot and lock shims,
 * and a root home of its own.
 */
export const prepareBase = (plan: LabPlan, repo: VendorRepo): string => {
  const vendor = plan.vendor;
  if (!vendor) throw new Error('managed hosts need the lab vendor');
  const b = baseDir(plan);
  for (const d of ['upper', 'work', 'root', 'files']) mkdirSync(join(b, d), { recursive: true });
  const files = join(b, 'files');
  writeFileSync(join(files, 'reboot'), rebootShim(), { mode: 0o755 });
  writeFileSync(join(files, 'hold-lock'), holdLockScript(), { mode: 0o755 });
  writeFileSync(
    join(files, 'vendor.list'),
    `deb [signed-by=${HOST_KEYRING}] ${vendor.repoUrl} ${repo.codename} main\n`,
  );
  const debs = repo.oldDebs.map((d) => `/tmp/pd-lab/${basename(d)}`).join(' ');
  const inside = [
    'set -eu',
    'rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* /var/cache/apt/*.bin',
    'rm -rf /var/lib/apt/lists/*',
    'mkdir -p /var/lib/apt/lists/partial /etc/apt/keyrings /etc/pd-lab',
    `cp /tmp/pd-lab/vendor-keyring.gpg ${HOST_KEYRING}`,
    'cp /tmp/pd-lab/vendor.list /etc/apt/sources.list.d/pd-lab-vendor.list',
    `dpkg -i ${debs} >/dev/null`,
    // The shims replace symlinks to systemctl: unlink first, or the copy would overwrite systemctl.
    'rm -f /usr/sbin/reboot /usr/sbin/shutdown',
    'cp /tmp/pd-lab/reboot /usr/sbin/reboot && cp /tmp/pd-lab/reboot /usr/sbin/shutdown',
    `mkdir -p ${HOLD_LOCK.replace(/\/[^/]+$/, '')} && cp /tmp/pd-lab/hold-lock ${HOLD_LOCK}`,
    'cp /usr/share/base-files/dot.bashrc /root/.bashrc && cp /usr/share/base-files/dot.profile /root/.profile',
  ].join('\n');
  const R = join(b, 'root');
  // One short-lived process in a mount namespace of its own and no lab network namespace, so a
  // chroot is enough here: no copy of a lab namespace's nsfs mount outlives it.
  const outside = [
    'set -eu',
    // root's home as a fresh Debian has it, not this machine's: an opaque directory hides its
    // dotfiles (a pyenv init in .bashrc costs seconds per SSH command: bash sources it for sshd)
    // and its secrets. Removing the lower one file by file would write a whiteout per file.
    `mkdir -m 700 ${b}/upper/root`,
    `python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' ${b}/upper/root`,
    `mount -t overlay overlay -o lowerdir=/,upperdir=${b}/upper,workdir=${b}/work ${R}`,
    `mount -t proc proc ${R}/proc`,
    `mount --rbind /dev ${R}/dev`,
    `mount -t tmpfs tmpfs ${R}/tmp`,
    `mount -t tmpfs tmpfs ${R}/run`,
    `mkdir ${R}/tmp/pd-lab`,
    `cp ${[...repo.oldDebs, repo.keyring].join(' ')} ${files}/* ${R}/tmp/pd-lab/`,
    `chroot ${R} /bin/sh -c "$1"`,
  ].join('\n');
  execFileSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', outside, 'sh', inside], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return join(b, 'upper');
};

/**
 * A managed host's SSH host key and machine-id: made afresh for each lab, or kept in the plan's
 * keepDir and made only the first time (LabSpec.keepIdentity).
 */
export const hostIdentity = (plan: LabPlan, host: PlannedHost): { hostKey: string; machineId: string } => {
  const dir = plan.keepDir ? join(plan.keepDir, 'hosts', host.label) : join(hostDir(plan, host), 'identity');
  const hostKey = join(dir, 'host_key');
  const machineId = join(dir, 'machine-id');
  if (existsSync(hostKey) && existsSync(machineId)) return { hostKey, machineId };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  rmSync(hostKey, { force: true });
  rmSync(`${hostKey}.pub`, { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `lab-${host.label}`, '-f', hostKey]);
  const id = execFileSync('cat', ['/proc/sys/kernel/random/uuid']).toString().trim().replaceAll('-', '');
  writeFileSync(machineId, `${id}\n`);
  return { hostKey, machineId };
};

/** The host's own files: upper dir with its identity and markers, ssh keys and config, scripts. */
const writeHostFiles = (plan: LabPlan, host: PlannedHost, base: string): string => {
  const m = host.managed;
  if (!m) throw new Error(`host ${host.label} is not managed`);
  const dir = hostDir(plan, host);
  for (const d of ['upper', 'work', 'root', 'ssh']) mkdirSync(join(dir, d), { recursive: true });
  const upper = join(dir, 'upper');
  // -a keeps the base's whiteouts (0/0 character devices) and opaque-directory xattrs.
  execFileSync('cp', ['-a', `${base}/.`, upper]);
  writeFileSync(join(upper, 'etc/hostname'), `${host.label}\n`);
  const identity = hostIdentity(plan, host);
  copyFileSync(identity.machineId, join(upper, 'etc/machine-id'));
  mkdirSync(join(upper, 'etc/pd-lab'), { recursive: true });
  if (m.failPostinst) writeFileSync(join(upper, FAIL_POSTINST_MARKER.slice(1)), 'lab: postinst fails here\n');
  if (m.needsReboot)
    writeFileSync(join(upper, NEEDS_REBOOT_MARKER.slice(1)), 'lab: upgrades need a reboot\n');
  const ssh = join(dir, 'ssh');
  copyFileSync(identity.hostKey, join(ssh, 'host_key'));
  writeFileSync(join(ssh, 'authorized_keys'), plan.authorizedKeys.map((k) => `${k.trim()}\n`).join(''), {
    mode: 0o600,
  });
  writeFileSync(join(ssh, 'sshd_config'), sshdConfig());
  writeFileSync(join(dir, 'boot.sh'), bootScript({ dir, hostname: host.label, lockSeconds: m.lockSeconds }));
  writeFileSync(
    join(dir, 'supervise.sh'),
    superviseScript({ dir, mac: host.mac, asleep: m.asleep, ping: host.ping }),
  );
  writeFileSync(join(dir, 'wol.py'), wolListener());
  chmodSync(join(ssh, 'host_key'), 0o600);
  return dir;
};

export type ManagedState = 'asleep' | 'booting' | 'up' | 'down' | 'failed' | 'unknown';

export const managedState = (plan: LabPlan, host: PlannedHost): { state: ManagedState; bootId?: string } => {
  try {
    const [state = 'unknown', bootId] = readFileSync(join(hostDir(plan, host), 'state'), 'utf8')
      .trim()
      .split(' ');
    return { state: state as ManagedState, ...(state === 'up' && bootId ? { bootId } : {}) };
  } catch {
    return { state: 'unknown' };
  }
};

export const managedConsole = (plan: LabPlan, host: PlannedHost): string => {
  try {
    return readFileSync(join(hostDir(plan, host), 'console.log'), 'utf8');
  } catch {
    return '';
  }
};

/** Poll (lab code, not a test) until the host is `want`, failing with its console on failure. */
export const awaitManaged = async (
  plan: LabPlan,
  host: PlannedHost,
  want: ManagedState[],
  ms = 30_000,
): Promise<void> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const { state } = managedState(plan, host);
    if (want.includes(state)) return;
    if (state === 'failed' || Date.now() > deadline) {
      const log = managedConsole(plan, host).slice(-2000);
      throw new Error(`managed host ${host.label}: ${state}, not ${want.join('/')}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Write the host's files and start its supervisor (detached: it outlives `lab up`). */
export const startManagedHost = async (
  plan: LabPlan,
  host: PlannedHost,
  base: string,
  rpmRepo?: VendorRpmRepo,
): Promise<void> => {
  const dir = writeHostFiles(plan, host, base);
  if (host.managed?.rpm) {
    if (!rpmRepo || !plan.vendor) throw new Error(`rpm host ${host.label}: the vendor has no rpm repository`);
    prepareRpmHost(join(dir, 'upper'), plan.vendor, rpmRepo);
  }
  const child = spawn('ip', ['netns', 'exec', host.ns, '/bin/sh', join(dir, 'supervise.sh')], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  await awaitManaged(plan, host, host.managed?.asleep ? ['asleep'] : ['up']);
};

/** The host-side pid of the managed host's PID 1 (sshd), from the NSpid lines of its namespace. */
export const managedInitPid = (host: PlannedHost): number | undefined => {
  for (const pid of namespacePids(host.ns)) {
    try {
      const nspid = /^NSpid:\s+(\d+)\s+1$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (nspid) return Number(nspid[1]);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
};

const nsenterArgs = (host: PlannedHost): string[] => {
  const pid = managedInitPid(host);
  if (!pid) throw new Error(`managed host ${host.label} is not running`);
  return ['-t', String(pid), '-m', '-u', '-n', '-p', '--'];
};

/** Run a command inside the managed host (its root, PID and network namespaces), as its root. */
export const execInHost = (host: PlannedHost, argv: string[]): Promise<string> =>
  run('nsenter', [...nsenterArgs(host), ...argv]);

/**
 * Power the host off: its PID 1 ends and the supervisor, seeing the marker, puts it to sleep
 * (deaf to ARP and ping) until a magic packet, instead of booting it again. The appliance's
 * neighbour entry goes too, so the host is as silent as a machine with the power cut.
 */
export const powerOff = async (plan: LabPlan, host: PlannedHost): Promise<void> => {
  writeFileSync(join(hostDir(plan, host), 'poweroff'), 'lab: sleep after this shutdown\n');
  // PID 1's end takes its whole PID namespace with it, this `kill` included: when the kernel is
  // quicker than `kill`'s own exit it dies of SIGKILL (137), which says nothing about the signal,
  // already sent. The host reaching "asleep" is the proof; awaitManaged fails with its state if not.
  await execInHost(host, ['kill', '-TERM', '1']).catch(() => {});
  await awaitManaged(plan, host, ['asleep']);
  await run('ip', ['-n', plan.applianceNs, 'neigh', 'flush', 'to', host.ip]);
};

/**
 * Take dpkg's frontend lock inside the host for `seconds`; resolves once held (the holder writes
 * its pid file only after it has the lock). The holder is detached with no pipes to this process,
 * so nothing here can end it but releaseDpkgLock or the host's own shutdown.
 */
export const holdDpkgLock = async (host: PlannedHost, seconds: number): Promise<void> => {
  await execInHost(host, ['rm', '-f', `${HOST_RUN}/lock-holder.pid`]);
  const child = spawn('nsenter', [...nsenterArgs(host), HOLD_LOCK, String(seconds)], {
    detached: true,
    stdio: 'ignore',
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const held = await execInHost(host, [
      'sh',
      '-c',
      `test -s ${HOST_RUN}/lock-holder.pid && echo yes || true`,
    ]);
    if (held.trim() === 'yes') return;
    if (exited !== undefined) throw new Error(`holding the dpkg lock on ${host.label}: exit ${exited}`);
    if (Date.now() > deadline) throw new Error(`holding the dpkg lock on ${host.label}: not held after 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/**
 * End whichever lock holder runs inside the host (a boot-time one or holdDpkgLock's). Resolves to
 * what happened: "released", or "already ended" when the holder was gone (the lock is free either way).
 */
export const releaseDpkgLock = async (host: PlannedHost): Promise<string> =>
  (
    await execInHost(host, [
      'sh',
      '-c',
      `f=${HOST_RUN}/lock-holder.pid; pid=$(cat $f) && rm -f $f && { kill $pid 2>/dev/null && echo released || echo "already ended"; }`,
    ])
  ).trim();

/** Why managed hosts cannot run here (a missing tool), or undefined. */
export const managedHostsUnavailableReason = (): string | undefined => {
  const tools: Array<[string, string]> = [
    ['unshare', 'util-linux'],
    ['nsenter', 'util-linux'],
    ['pivot_root', 'util-linux'],
    ['/usr/sbin/sshd', 'openssh-server'],
    ['ssh', 'openssh-client'],
    ['dpkg-scanpackages', 'dpkg-dev'],
    ['gpg', 'gnupg'],
    ['/usr/bin/python3', 'python3'],
    ['tc', 'iproute2'],
    ['nft', 'nftables'],
    ['xz', 'xz-utils'],
  ];
  const missing = tools.filter(([cmd]) => !hasCommand(cmd));
  return missing.length
    ? `managed lab hosts need ${missing.map(([cmd, pkg]) => `${cmd} (${pkg})`).join(', ')}`
    : undefined;
};
