/**
 * Where a redirect must never take the appliance: loopback, link-local (cloud metadata lives at
 * 169.254.169.254), the unspecified address, and the appliance's own interfaces. An upstream that
 * could send us there would make the appliance fetch — and hand a LAN client — what only the
 * appliance itself can reach. The one exception is the host the request was configured for: a
 * mirror on this very machine (or on loopback in tests) may redirect within itself.
 */
import type { LookupAddress, LookupAllOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const forbiddenRanges = (): BlockList => {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('0.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  list.addAddress('::', 'ipv6');
  list.addSubnet('fe80::', 10, 'ipv6');
  return list;
};

export interface AddressGuardOptions {
  /** Every address `host` resolves to (real: the system resolver). */
  resolve?: (host: string) => Promise<string[]>;
  /** This machine's interface addresses (real: os.networkInterfaces()). */
  ownAddresses?: () => string[];
}

const systemResolve = async (host: string): Promise<string[]> =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const systemAddresses = (): string[] =>
  Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));

export class AddressGuard {
  private readonly resolve: (host: string) => Promise<string[]>;
  private readonly ownAddresses: () => string[];
  private readonly forbidden = forbiddenRanges();

  constructor(opts: AddressGuardOptions = {}) {
    this.resolve = opts.resolve ?? systemResolve;
    this.ownAddresses = opts.ownAddresses ?? systemAddresses;
  }

  /**
   * Why the hop to `to` may not be followed in a request that started at `start`, or undefined.
   * The configured host itself (the start's) is always allowed.
   */
  async refusal(start: URL, to: URL): Promise<string | undefined> {
    if (to.hostname === start.hostname) return undefined;
    const host = to.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.resolve(host);
    } catch (err) {
      return `${host} does not resolve (${(err as Error).message})`;
    }
    const own = this.ownAddresses();
    for (const ip of addresses) {
      const why = this.forbiddenAddress(ip, own);
      if (why) return why;
    }
    return undefined;
  }

  /**
   * A socket `lookup` for redirect hops: the addresses connected to are the ones checked. Checking
   * a hop's name and then letting the socket resolve it again left a gap: a name answering a public
   * address to the check and loopback a moment later (DNS rebinding, TTL 0) took the connection
   * inside. An address literal is never looked up (refusal() checks it as it is).
   */
  readonly lookup = (
    hostname: string,
    options: Partial<LookupAllOptions> | { family?: number | string; all?: boolean },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    this.checkedAddresses(hostname, Number(options.family) || 0).then(
      (all) => (options.all ? callback(null, all) : callback(null, all[0]!.address, all[0]!.family)),
      (err: Error) => callback(err, []),
    );
  };

  private async checkedAddresses(hostname: string, family: number): Promise<LookupAddress[]> {
    const found = (await this.resolve(hostname))
      .map((address) => ({ address, family: isIP(address) }))
      .filter((a) => a.family !== 0 && (family === 0 || a.family === family));
    const own = this.ownAddresses();
    for (const { address } of found) {
      const why = this.forbiddenAddress(address, own);
      if (why) throw Object.assign(new Error(`${hostname} resolved to ${why}`), { code: 'EFORBIDDEN' });
    }
    if (found.length === 0)
      throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
    return found;
  }

  private forbiddenAddress(ip: string, own: readonly string[]): string | undefined {
    if (this.forbidden.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4'))
      return `${ip} is a loopback, link-local or unspecified address`;
    // Compared as addresses, not text: ::ffff:192.0.2.10 (an AAAA record, or a URL's [..]) is
    // 192.0.2.10 to a dual-stack socket, and 2001:DB8:0::1 is 2001:db8::1.
    const mine = new BlockList();
    for (const a of own) {
      const family = isIP(a.replace(/%.*$/, ''));
      if (family) mine.addAddress(a.replace(/%.*$/, ''), family === 6 ? 'ipv6' : 'ipv4');
    }
    if (mine.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4'))
      return `${ip} is one of this appliance's own addresses`;
    return undefined;
  }
}
