/** Reverse DNS (PTR) through the system resolver, with a per-lookup deadline. */
import { Resolver } from 'node:dns/promises';
import type { ReverseDns } from './ports.js';

export class SystemReverseDns implements ReverseDns {
  /** `servers`: ask these instead of the system's resolvers (tests; a site's own DNS server). */
  constructor(private readonly servers?: string[]) {}

  async lookup(ip: string, timeoutMs: number): Promise<string[]> {
    const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (this.servers) resolver.setServers(this.servers);
    const timer = setTimeout(() => resolver.cancel(), timeoutMs);
    try {
      return (await resolver.reverse(ip)).map((n) => n.toLowerCase().replace(/\.$/, ''));
    } catch {
      return [];
    } finally {
      clearTimeout(timer);
    }
  }
}
