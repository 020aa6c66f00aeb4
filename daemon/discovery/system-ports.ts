/** The real adapters the daemon runs with: fping (else ping, else TCP-only), node:net, ip neigh, bonjour. */
import { systemClock } from '../lifecycle.js';
import { FpingSweeper, fpingPath } from './fping.js';
import { OsInterfaces } from './local-interfaces.js';
import { BonjourMdnsBrowser } from './mdns-browser.js';
import { KernelNeighbourTable } from './neighbour-table.js';
import { vendorOf } from './oui.js';
import { PingSweeper, pingPath } from './ping.js';
import type { DiscoveryPorts, IcmpSweeper } from './ports.js';
import { SystemReverseDns } from './reverse-dns.js';
import { NetTcpProber } from './tcp-connect.js';

/** fping when installed, else iputils ping, else none (the sweep then relies on TCP and ARP). */
export const pickIcmpSweeper = (): IcmpSweeper | undefined => {
  const fping = fpingPath();
  if (fping) return new FpingSweeper(fping);
  const ping = pingPath();
  return ping ? new PingSweeper(ping) : undefined;
};

export const systemPorts = (): DiscoveryPorts => ({
  icmp: pickIcmpSweeper(),
  tcp: new NetTcpProber(),
  neighbours: new KernelNeighbourTable(),
  mdns: new BonjourMdnsBrowser(),
  reverseDns: new SystemReverseDns(),
  interfaces: new OsInterfaces(),
  vendorOf,
  clock: systemClock,
});
