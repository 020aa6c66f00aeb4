/** The subnets this machine is directly attached to, from os.networkInterfaces(). */
import { hostname, networkInterfaces } from 'node:os';
import { osDefaultRouteInterfaces } from './default-route.js';
import { cidrBounds, formatIpv4, parseIpv4 } from './ipv4.js';
import type { LocalInterfaces, LocalSubnet } from './ports.js';

export class OsInterfaces implements LocalInterfaces {
  hostName(): string {
    return hostname();
  }

  connectedSubnets(): LocalSubnet[] {
    const out: LocalSubnet[] = [];
    const uplinks = osDefaultRouteInterfaces();
    for (const [name, addrs] of Object.entries(networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.family !== 'IPv4' || a.internal || !a.cidr) continue;
        const prefix = Number(a.cidr.split('/')[1]);
        const base = parseIpv4(a.address);
        if (base === undefined || prefix < 8) continue;
        out.push({
          interface: name,
          address: a.address,
          cidr: `${formatIpv4(cidrBounds(base, prefix).first)}/${prefix}`,
          mac: a.mac && a.mac !== '00:00:00:00:00:00' ? a.mac.toLowerCase() : null,
          ...(uplinks.has(name) ? { defaultRoute: true } : {}),
        });
      }
    }
    return out;
  }
}

/** Every address of this machine, loopback included (its own mDNS packets come back to it). */
export const ownAddresses = (): string[] =>
  Object.values(networkInterfaces()).flatMap((addrs) => (addrs ?? []).map((a) => a.address));
