/**
 * The real deployment adapters the daemon runs: an apt executor per Debian-family host over the
 * SSH access the Inventory page set up (same credentials, same pinned host key), the proxy URL
 * the host reaches the appliance's cache at, and the verifier that re-inventories. Hosts with no
 * SSH access, or whose package tool has no executor yet (rpm, apk), get none: they end
 * "unreachable" with that reason rather than being touched some other way.
 */
import type { Config } from '../config.js';
import type { InventoryService } from '../inventory/inventory-service.js';
import { type Clock, systemClock } from '../lifecycle.js';
import type { DeployAdapters } from './deploy-module.js';
import { AptExecutor } from './executors/apt-executor.js';
import { InventoryVerifier } from './inventory-verifier.js';
import type { ExecutorFactory, HostExecutor } from './ports.js';

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

export const sshDeployAdapters = (config: Config, inventory: InventoryService): DeployAdapters => ({
  executors: new SshExecutors(inventory, proxyUrlFor(config)),
  verifier: new InventoryVerifier(inventory),
});
