/**
 * The real deployment adapters the daemon runs: an apt executor per Debian-family host over the
 * SSH access the Inventory page set up (same credentials, same pinned host key), the proxy URL
 * the host reaches the appliance's cache at, the verifier that re-inventories, and Wake-on-LAN
 * for a host that is down (its MAC from the host directory, only inside the scopes of
 * management, from the interface on the host's subnet). Hosts with no SSH access end
 * "unreachable". The package tool follows the host's inventory: apt on dpkg hosts, dnf on rpm
 * hosts, apk on Alpine; a host never inventoried is taken as Debian-family.
 */
import type { Config } from '../config.js';
import { OsInterfaces } from '../discovery/local-interfaces.js';
import type { LocalInterfaces } from '../discovery/ports.js';
import type { ScopeTargets } from '../discovery/scope.js';
import type { InventoryService } from '../inventory/inventory-service.js';
import { type Clock, systemClock } from '../lifecycle.js';
import type { DeployAdapters } from './deploy-module.js';
import { apkTool } from './executors/apk.js';
import { AptExecutor } from './executors/apt-executor.js';
import { dnfTool } from './executors/dnf.js';
import { PackageExecutor } from './executors/package-executor.js';
import { netPortProbe } from './host-return.js';
import type { WakeTarget } from './host-run.js';
import { InventoryVerifier } from './inventory-verifier.js';
import type { ExecutorFactory, HostExecutor } from './ports.js';
import { facingSubnet, udpBroadcast, WolSender } from './wol.js';

/** One command may wait 300 s for the dpkg lock and then run a large upgrade. */
const COMMAND_TIMEOUT_MS = 30 * 60_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
const isLoopback = (host: string): boolean =>
  host.startsWith('127.') || host === 'localhost' || host === '::1';

/**
 * The cache as a host reaches it. A proxy bound to one LAN address is reached there. A proxy
 * listening on every address (the default) is reached at this machine's own address on the
 * host's subnet, the interface facing it. A loopback-only proxy, or a host on no attached subnet
 * (routed: which of our addresses it can reach is not known), downloads directly: set
 * `cache.proxy.host` to an address every host can reach for every package to cross the WAN once.
 */
export const proxyUrlFor =
  (config: Config, interfaces: LocalInterfaces = new OsInterfaces()) =>
  (hostAddress: string): string | undefined => {
    if (!config.cache.enabled || !config.cache.proxy.enabled) return undefined;
    const bound = config.cache.proxy.host ?? config.http.host;
    if (isLoopback(bound)) return undefined;
    const host = isWildcard(bound)
      ? facingSubnet(interfaces.connectedSubnets(), hostAddress)?.subnet.address
      : bound;
    if (!host) return undefined;
    const shown = host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${config.cache.proxy.port}/`;
  };

export class SshExecutors implements ExecutorFactory {
  constructor(
    private readonly inventory: InventoryService,
    private readonly proxyUrl: (hostAddress: string) => string | undefined,
    private readonly clock: Clock = systemClock,
  ) {}

  async forHost(hostId: string): Promise<HostExecutor | undefined> {
    const cred = await this.inventory.credentials.get(hostId);
    if (!cred) return undefined;
    const inv = await this.inventory.inventories.get(hostId).catch(() => undefined);
    const proxyUrl = this.proxyUrl(cred.address);
    const opts = {
      open: (signal?: AbortSignal) => this.inventory.openSessionFor(cred, signal),
      username: cred.username,
      label: `${cred.username}@${cred.address}:${cred.port}`,
      clock: this.clock,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    };
    switch (inv?.ecosystem ?? 'dpkg') {
      case 'rpm':
        return new PackageExecutor(opts, dnfTool({ proxyUrl }));
      case 'apk':
        return new PackageExecutor(opts, apkTool(proxyUrl));
      default:
        return new AptExecutor({ ...opts, settings: { proxyUrl } });
    }
  }
}

/** Where Wake-on-LAN learns a machine's MAC and address, and the scopes it may send into. */
export interface WakeSources {
  host(hostId: string): { mac: string | null; address: string | null } | undefined;
  scopes(): readonly ScopeTargets[];
}

/** A woken machine has this long to accept SSH (a cold boot with a disk check can be slow). */
const WAKE_DEADLINE_MS = 5 * 60_000;

const wakeOnLan = (
  inventory: InventoryService,
  sources: WakeSources,
  clock: Clock,
): Pick<DeployAdapters, 'wake' | 'wakeTarget'> => ({
  wake: new WolSender({
    interfaces: new OsInterfaces(),
    scopes: () => [...sources.scopes()],
    send: udpBroadcast,
    probe: netPortProbe,
    clock,
    deadlineMs: WAKE_DEADLINE_MS,
  }),
  wakeTarget: async (hostId): Promise<WakeTarget | undefined> => {
    const host = sources.host(hostId);
    if (!host?.mac) return undefined;
    const cred = await inventory.credentials.get(hostId);
    const address = cred?.address ?? host.address;
    if (!address) return undefined;
    return { mac: host.mac, address, ...(cred ? { port: cred.port } : {}) };
  },
});

export const sshDeployAdapters = (
  config: Config,
  inventory: InventoryService,
  wake?: WakeSources,
  clock: Clock = systemClock,
): DeployAdapters => ({
  executors: new SshExecutors(inventory, proxyUrlFor(config), clock),
  verifier: new InventoryVerifier(inventory),
  ...(wake ? wakeOnLan(inventory, wake, clock) : {}),
});
