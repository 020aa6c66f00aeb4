/**
 * The simulated site: a bridge in its own namespace, the appliance on one veth, N hosts on the
 * others, in a 10.213.X.0/24 that exists only inside the namespaces (no veth reaches the real
 * network; the appliance's only default route, with a vendor, goes to the vendor's namespace, which
 * routes nowhere, so nothing can leak). `createLab` builds it,
 * `destroyLab` removes everything with the lab's prefix, also what a crashed run left.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDetached } from './background.js';
import {
  awaitManaged,
  execInHost,
  holdDpkgLock,
  type ManagedState,
  managedConsole,
  managedState,
  powerOff,
  prepareBase,
  releaseDpkgLock,
  startManagedHost,
} from './managed-host.js';
import { ipBatch, listNamespaces, namespacePids, run } from './netns.js';
import { applyFilter, filterRuleset, nftAvailable, type PacketCounts, readCounts } from './packet-filter.js';
import {
  type LabPlan,
  type LabSpec,
  labNameTaken,
  labPrefix,
  labWorkDir,
  NS_PREFIX,
  type PlannedHost,
  type PlannedVendor,
  planLab,
} from './spec.js';
import { readVendorRepo, startVendor } from './vendor.js';
import type { VendorRepo } from './vendor-repo.js';
import { readWanCounters, routeSiteToVendor, setWanLoss, type WanCounters } from './wan.js';

export const LAB_STATE_DIR = '/run/patch-depot-lab';
const agentPath = fileURLToPath(new URL('./host-agent.ts', import.meta.url));

export interface Lab extends LabPlan {
  /** Run a command inside a namespace; resolves with stdout, rejects with stderr. */
  exec(ns: string, argv: string[]): Promise<string>;
  /** Packets addressed to a host created with countPackets. */
  packetCounts(label: string): Promise<PacketCounts>;
  host(label: string): PlannedHost;
  down(): Promise<void>;
  /** The vendor (throws when the lab has none) and what it publishes. */
  vendorInfo(): PlannedVendor & { repo: VendorRepo };
  /** Bytes across the simulated WAN link so far. */
  wanCounters(): Promise<WanCounters>;
  setWanLoss(percent: number): Promise<void>;
  /** Let hosts reach the vendor directly, routed by the appliance namespace without its cache. */
  routeSiteToVendor(): Promise<void>;
  /** The appliance's cache proxy as hosts address it (the daemon's cache.proxy.port). */
  proxyUrl(port?: number): string;
  /** Run a command inside a managed host (its own root and PID namespace), as its root. */
  execInHost(label: string, argv: string[]): Promise<string>;
  managedState(label: string): { state: ManagedState; bootId?: string };
  /** What the host's supervisor, boots and sshd logged (its console). */
  managedConsole(label: string): string;
  /** Poll until a managed host is in one of `states` (e.g. up again after a reboot). */
  awaitManaged(label: string, states: ManagedState[], ms?: number): Promise<void>;
  holdDpkgLock(label: string, seconds: number): Promise<void>;
  /** Power a managed host off: it sleeps, silent, until a Wake-on-LAN packet boots it again. */
  powerOff(label: string): Promise<void>;
  releaseDpkgLock(label: string): Promise<'released' | 'already ended'>;
}

export interface CreateLabOptions {
  /** Remove the lab when this process exits (tests); the CLI's `up` leaves it running. */
  cleanupOnExit?: boolean;
  /** Progress lines for the CLI. */
  onProgress?: (line: string) => void;
  /** Remove a lab of the same name first (`up --replace`); without it such a lab is refused. */
  replace?: boolean;
}

const stateFile = (name: string): string => join(LAB_STATE_DIR, `${name}.json`);

/** Run `fn` over `items` with at most `limit` in flight. */
const eachLimit = async <T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

const startAgent = (host: PlannedHost): Promise<number> =>
  startDetached(
    host.ns,
    agentPath,
    { tcp: host.tcp, mdnsHostname: host.mdnsHostname, services: host.services },
    `lab host ${host.label}: agent`,
  );

const configureHost = async (plan: LabPlan, host: PlannedHost, useNft: boolean): Promise<void> => {
  await ipBatch(
    [
      'link set lo up',
      `addr add ${host.ip}/${plan.prefixLength} dev eth0`,
      'link set eth0 up',
      // mDNS needs a multicast route; there is deliberately no default route.
      'route add 224.0.0.0/4 dev eth0',
    ],
    host.ns,
  );
  const sysctls = ['net.ipv6.conf.all.disable_ipv6=1'];
  if (!host.ping && !useNft) sysctls.push('net.ipv4.icmp_echo_ignore_all=1');
  await run('ip', ['netns', 'exec', host.ns, 'sysctl', '-qw', ...sysctls]);
  const silent = host.kind === 'silent' && useNft;
  if (silent || host.countPackets) {
    if (!useNft) throw new Error(`host ${host.label}: packet counting needs nft (apt-get install nftables)`);
    await applyFilter(host.ns, filterRuleset(host.ip, { silent, count: host.countPackets }));
  } else if (!host.ping) {
    await run('ip', ['netns', 'exec', host.ns, 'sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=1']);
  }
};

const isRunning = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** SIGKILL, then poll (bounded) until the processes are gone or zombies, so `down` means down. */
const killAll = (pids: number[]): void => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 3000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (pids.some(isRunning) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
};

/** Remove every namespace (and the processes in it) of lab `name`; synchronous so exit hooks can use it. */
export const destroyLabSync = (name: string): number => {
  const prefix = labPrefix(name);
  const namespaces = listNamespaces().filter((ns) => ns.startsWith(prefix));
  // Rounds: a managed host's supervisor may have started a new boot while the first round ran.
  for (let round = 0; round < 5; round++) {
    const pids = namespaces.flatMap(namespacePids);
    if (!pids.length) break;
    killAll(pids);
  }
  if (namespaces.length) {
    spawnSync('ip', ['-batch', '-'], { input: `${namespaces.map((ns) => `netns del ${ns}`).join('\n')}\n` });
  }
  rmSync(stateFile(name), { force: true });
  // Managed hosts' upper dirs and the vendor repo; their mounts died with their namespaces.
  rmSync(labWorkDir(name), { recursive: true, force: true });
  return namespaces.length;
};

export const destroyLab = async (name: string): Promise<number> => destroyLabSync(name);

export interface LabStatus {
  name: string;
  namespaces: string[];
  subnet?: string;
  hosts?: Array<Pick<PlannedHost, 'label' | 'kind' | 'ip' | 'mac' | 'ns'>>;
}

/** Every lab on this machine: from the namespaces that exist, with details where a state file is. */
export const listLabs = (): LabStatus[] => {
  const byName = new Map<string, string[]>();
  for (const ns of listNamespaces().filter((n) => n.startsWith(NS_PREFIX))) {
    const name = ns.slice(NS_PREFIX.length).split('-')[0] ?? '';
    byName.set(name, [...(byName.get(name) ?? []), ns]);
  }
  return [...byName].map(([name, namespaces]) => {
    try {
      const plan = JSON.parse(readFileSync(stateFile(name), 'utf8')) as LabPlan;
      return { name, namespaces, subnet: plan.subnet, hosts: plan.hosts };
    } catch {
      return { name, namespaces };
    }
  });
};

const hostOf = (plan: LabPlan, label: string): PlannedHost => {
  const h = plan.hosts.find((x) => x.label === label);
  if (!h) throw new Error(`lab ${plan.name} has no host ${label}`);
  return h;
};

const vendorOf = (plan: LabPlan): PlannedVendor => {
  if (!plan.vendor) throw new Error(`lab ${plan.name} has no vendor`);
  return plan.vendor;
};

const handle = (plan: LabPlan): Lab => ({
  ...plan,
  exec: (ns, argv) => run('ip', ['netns', 'exec', ns, ...argv]),
  packetCounts: (label) => readCounts(`${labPrefix(plan.name)}${label}`),
  host: (label) => hostOf(plan, label),
  down: () => destroyLab(plan.name).then(() => undefined),
  vendorInfo() {
    if (!plan.vendor) throw new Error(`lab ${plan.name} has no vendor`);
    return { ...plan.vendor, repo: readVendorRepo(plan) };
  },
  wanCounters: () => readWanCounters(vendorOf(plan).ns),
  setWanLoss: (percent) => setWanLoss(vendorOf(plan), percent),
  routeSiteToVendor: () => routeSiteToVendor(plan),
  proxyUrl: (port = 3142) => `http://${plan.applianceIp}:${port}`,
  execInHost: (label, argv) => execInHost(hostOf(plan, label), argv),
  managedState: (label) => managedState(plan, hostOf(plan, label)),
  managedConsole: (label) => managedConsole(plan, hostOf(plan, label)),
  awaitManaged: (label, states, ms) => awaitManaged(plan, hostOf(plan, label), states, ms),
  holdDpkgLock: (label, seconds) => holdDpkgLock(hostOf(plan, label), seconds),
  powerOff: (label) => powerOff(plan, hostOf(plan, label)),
  releaseDpkgLock: async (label) =>
    (await releaseDpkgLock(hostOf(plan, label))) === 'released' ? 'released' : 'already ended',
});

/** The vendor behind its WAN link, then the managed hosts over a base layer prepared once. */
const bringUpVendorAndManaged = async (plan: LabPlan, say: (line: string) => void): Promise<void> => {
  const repo = await startVendor(plan);
  say(`vendor: ${plan.vendor?.repoUrl} (${Object.keys(repo.debSizes).length} fixes, signed)`);
  const managed = plan.hosts.filter((h) => h.managed);
  if (!managed.length) return;
  const base = prepareBase(plan, repo);
  await eachLimit(managed, 8, (h) => startManagedHost(plan, h, base, repo.rpm));
  say(`managed hosts running: ${managed.length}`);
};

/**
 * Build the lab. A lab of the same name that exists is refused (it may be someone's running demo)
 * unless `replace` says to remove it first. On any failure everything built so far is removed.
 */
export const createLab = async (spec: LabSpec, opts: CreateLabOptions = {}): Promise<Lab> => {
  const plan = planLab(spec);
  const say = opts.onProgress ?? (() => {});
  // Before any exit hook is set: a refused lab must not tear down the one that holds the name.
  const taken = labNameTaken(plan.name, listNamespaces());
  if (taken && !opts.replace) throw new Error(taken);
  if (destroyLabSync(plan.name)) say(`removed the previous lab "${plan.name}"`);
  if (opts.cleanupOnExit ?? true) {
    process.once('exit', () => destroyLabSync(plan.name));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        destroyLabSync(plan.name);
        process.exit(130);
      });
    }
  }
  try {
    const hostNs = plan.hosts.map((h) => h.ns);
    const all = [plan.bridgeNs, plan.applianceNs, ...(plan.vendor ? [plan.vendor.ns] : []), ...hostNs];
    await ipBatch(all.map((ns) => `netns add ${ns}`));
    say(`namespaces: ${all.length}`);
    const bridge = ['link add br0 type bridge mcast_snooping 0', 'link set br0 up'];
    const ports: Array<[string, string, string]> = [
      ['app', plan.applianceNs, plan.applianceMac],
      ...plan.hosts.map((h): [string, string, string] => [`v${h.index}`, h.ns, h.mac]),
    ];
    for (const [port, ns, mac] of ports) {
      bridge.push(`link add ${port} type veth peer name eth0 address ${mac} netns ${ns}`);
      bridge.push(`link set ${port} master br0`, `link set ${port} up`);
    }
    await ipBatch(bridge, plan.bridgeNs);
    await ipBatch(
      [
        'link set lo up',
        `addr add ${plan.applianceIp}/${plan.prefixLength} dev eth0`,
        'link set eth0 up',
        'route add 224.0.0.0/4 dev eth0',
      ],
      plan.applianceNs,
    );
    const useNft = nftAvailable();
    await eachLimit(plan.hosts, 8, (h) => configureHost(plan, h, useNft));
    say(`hosts configured: ${plan.hosts.length}`);
    const withAgents = plan.hosts.filter((h) => h.tcp.length || h.services.length);
    await eachLimit(withAgents, 4, async (h) => {
      await startAgent(h);
    });
    if (withAgents.length) say(`host agents running: ${withAgents.length}`);
    if (plan.vendor) await bringUpVendorAndManaged(plan, say);
    mkdirSync(LAB_STATE_DIR, { recursive: true });
    writeFileSync(stateFile(plan.name), `${JSON.stringify(plan, null, 1)}\n`);
  } catch (err) {
    destroyLabSync(plan.name);
    throw err;
  }
  return handle(plan);
};

/** Reattach to a running lab (e.g. one the CLI brought up) from its state file. */
export const openLab = (name: string): Lab => {
  const plan = JSON.parse(readFileSync(stateFile(name), 'utf8')) as LabPlan;
  return handle(plan);
};
