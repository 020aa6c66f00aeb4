/**
 * Which interfaces carry an IPv4 default route, from the kernel's table (/proc/net/route). On an
 * appliance with a LAN side and a WAN side, the default route leaves by the WAN: that subnet is
 * the way out to the vendors, not a LAN to offer as a scope of management.
 */
import { readFileSync } from 'node:fs';

/** `/proc/net/route` as text: a header, then Iface, Destination (hex), Gateway, Flags (hex), ... */
export const defaultRouteInterfaces = (table: string): Set<string> => {
  const out = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const [iface, destination, , flags, , , , mask] = line.trim().split(/\s+/);
    if (!iface || destination !== '00000000' || mask !== '00000000') continue;
    // RTF_UP (0x1): a route the kernel uses.
    if ((Number.parseInt(flags ?? '0', 16) & 1) === 1) out.add(iface);
  }
  return out;
};

/** This machine's default-route interfaces; none where the table cannot be read. */
export const osDefaultRouteInterfaces = (): Set<string> => {
  try {
    return defaultRouteInterfaces(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return new Set();
  }
};
