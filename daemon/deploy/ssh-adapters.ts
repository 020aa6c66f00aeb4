/**
 * The real deployment adapters the daemon runs: an apt executor per Debian-family host over the
 * SSH access the Inventory page set up (same credentials, same pinned host key), the proxy URL
 * the host reaches the appliance's cache at, the verifier that re-inventories, and Wake-on-LAN
 * for a host that is down (its MAC from the host directory, only inside the scopes of
 * management, from the interface on the host's subnet). Hosts with no
 * SSH access, or whose package tool has no executor yet (rpm, apk), get none: they end
 * "unreachable" with that reason rather than being touched some other way.
 */
import type { Config } from '../config.js';
import { OsInterfaces } from '../discovery/local-interfaces.js';
import type { ScopeTargets } from '../discovery/scope.js';
import type { InventoryService } from '../inventory/inventory-service.js';
import { type Clock, systemClock } from '../lifecycle.js';
import type { DeployAdapters } from './deploy-module.js';
import { AptExecutor } from './executors/apt-executor.js';
import { netPortProbe } from './host-return.js';
import type { WakeTarget } from './host-run.js';
import { InventoryVerifier } from './inventory-verifier.js';
import type { ExecutorFactory, HostExecutor } from './ports.js';
import { udpBroadcast, WolSender } from './wol.js';

/** One command may wait 300 s for the dpkg lock and then run a large upgrade. */
const COMMAND_TIMEOUT_MS = 30 * 60_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/**
 * The cache as hosts reach it: the proxy's (or the UI's) configured LAN address. When both
 * listen on every address or on loopback, hosts download directly: set `cache.proxy.host` to the
 * appliance's LAN address for every package to cross the WAN once.
 */
export const proxyUrlFor = (config: Config): string | undefined => {
  if (!config.cache.enabled || !config.cache.proxy.enabled) return undefined;
  const host = config.cache.proxy.host ?? config.http.host;
  if (!host || host === '0.0.0.0' || host === '::' || host.startsWith('127.') || host === 'localhost')
    return undefined;
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${config.cache.proxy.port}/`;
};

export class SshExecutors implements ExecutorFactory {
  constructor(
    private readonly inventory: InventoryService,
    private readonly proxyUrl: string | undefined,
    private readonly clock: Clock = systemClock,
  ) {}

  async forHost(hostId: string): Promise<HostExecutor | undefined> {
    const cred = await this.inventory.credentials.get(hostId);
    if (!cred) return undefined;
    const inv = await this.inventory.inventories.get(hostId).catch(() => undefined);
    if (inv && inv.ecosystem !== 'dpkg') return undefined;
    return new AptExecutor({
      open: (signal) => this.inventory.openSessionFor(cred, signal),
      username: cred.username,
      label: `${cred.username}@${cred.address}:${cred.port}`,
      clock: this.clock,
      settings: { proxyUrl: this.proxyUrl },
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    });
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
