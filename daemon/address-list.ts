/**
 * Which LAN addresses may use a listener: addresses and CIDRs, v4 and v6 (an IPv4-mapped v6
 * address counts as its v4 self). The cache proxy and the TFTP server both check clients here.
 */
import { BlockList, isIP } from 'node:net';

/** Membership in `cidrs` (empty: any address). */
export class ClientAllowList {
  private list = new BlockList();
  cidrs: string[] = [];
  constructor(cidrs: string[]) {
    this.replace(cidrs);
  }

  /** A new list (the settings page changed it): from the next connection on. */
  replace(cidrs: string[]): void {
    this.list = new BlockList();
    this.cidrs = cidrs;
    for (const cidr of cidrs) {
      const [addr, bits] = cidr.split('/') as [string, string | undefined];
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr, family);
      else this.list.addSubnet(addr, Number(bits), family);
    }
  }

  allows(address: string | undefined): boolean {
    if (this.cidrs.length === 0) return true;
    if (!address) return false;
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    return this.list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  }
}
