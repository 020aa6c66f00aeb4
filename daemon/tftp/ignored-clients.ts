/**
 * The addresses the TFTP server stayed silent to because they are not allowed to fetch (outside
 * tftp.clients, or outside every discovery scope). Silence is right on the wire, but the
 * technician whose phone "gets no answer" needs to see it: the Devices page lists them. Kept in
 * memory and bounded, so a flood of forged sources cannot grow it.
 */
import type { Clock } from '../lifecycle.js';

export interface IgnoredClient {
  address: string;
  requests: number;
  /** ISO time of the latest request. */
  at: string;
}

export class IgnoredClients {
  private readonly byAddress = new Map<string, IgnoredClient>();

  constructor(
    private readonly clock: Clock,
    private readonly keep = 32,
  ) {}

  add(address: string): void {
    const at = new Date(this.clock.now()).toISOString();
    const seen = this.byAddress.get(address);
    // Re-inserted, so the map's order is oldest first and the first key is the one to drop.
    this.byAddress.delete(address);
    this.byAddress.set(address, { address, requests: (seen?.requests ?? 0) + 1, at });
    if (this.byAddress.size > this.keep) this.byAddress.delete(this.byAddress.keys().next().value!);
  }

  /** Newest first. */
  list(): IgnoredClient[] {
    return [...this.byAddress.values()].reverse();
  }
}
