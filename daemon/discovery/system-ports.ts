/** The real adapters the daemon runs with: fping (else ping, else TCP-only), node:net, ip neigh, mDNS on UDP 5353. */
import { systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { UdpMdnsTransport } from '../presence/udp-transport.js';
import { FpingSweeper, fpingPath } from './fping.js';
import { OsInterfaces, ownAddresses } from './local-interfaces.js';
import { MdnsListener } from './mdns-listener.js';
import { KernelNeighbourTable } from './neighbour-table.js';
import { vendorOf } from './oui.js';
import { PingSweeper, pingPath } from './ping.js';
import type { DiscoveryPorts, IcmpSweeper } from './ports.js';
import { SystemReverseDns } from './reverse-dns.js';
import type { Range } from './scope.js';
import { NetTcpProber } from './tcp-connect.js';

/** fping when installed, else iputils ping, else none (the sweep then relies on TCP and ARP). */
export const pickIcmpSweeper = (): IcmpSweeper | undefined => {
  const fping = fpingPath();
  if (fping) return new FpingSweeper(fping);
  const ping = pingPath();
  return ping ? new PingSweeper(ping) : undefined;
};

/** The passive mDNS listener on this machine's links that face `ranges` (the scopes), and no other. */
export const systemMdnsListener = (ranges: () => Range[], log: Logger, interfaces = new OsInterfaces()) =>
  new MdnsListener({
    ranges,
    links: () => interfaces.connectedSubnets().map(({ mac: _mac, ...link }) => link),
    ownAddresses,
    transport: (link) => new UdpMdnsTransport(link.address, log),
    clock: systemClock,
    log,
  });

/** `mdnsRanges`: the scopes' ranges, which say the links mDNS listens on (none: no listening). */
export const systemPorts = (mdnsRanges: () => Range[], log: Logger): DiscoveryPorts => ({
  icmp: pickIcmpSweeper(),
  tcp: new NetTcpProber(),
  neighbours: new KernelNeighbourTable(),
  mdns: systemMdnsListener(mdnsRanges, log.child('mdns')),
  reverseDns: new SystemReverseDns(),
  interfaces: new OsInterfaces(),
  vendorOf,
  clock: systemClock,
});
