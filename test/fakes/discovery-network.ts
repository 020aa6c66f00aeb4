/**
 * An in-memory LAN behind the discovery ports: hosts that answer ICMP, ARP, TCP (open or refused)
 * and mDNS as configured, and a log of every probe sent, so tests can prove what was (never)
 * touched. Unit tests only; the real adapters are tested in test/integration and test/lab.
 */

import { vendorOf } from '../../daemon/discovery/oui.js';
import type {
  DiscoveryPorts,
  IcmpSweeper,
  IcmpSweepOptions,
  LocalSubnet,
  MdnsRecord,
  MdnsService,
  NeighbourEntry,
  TcpOutcome,
} from '../../daemon/discovery/ports.js';
import { ManualClock } from './clock.js';

export interface FakeHost {
  ip: string;
  mac?: string;
  /** Answers ICMP echo (default true). */
  icmp?: boolean;
  /** Answers ARP (default true: on-link hosts do, even firewalled ones). */
  arp?: boolean;
  /** Open TCP ports; others are refused (RST) unless `tcpSilent`. */
  open?: number[];
  tcpSilent?: boolean;
  banners?: Record<number, string>;
  mdnsHostname?: string;
  services?: MdnsService[];
  reverse?: string[];
}

export interface Probe {
  kind: 'icmp' | 'tcp' | 'banner' | 'rdns';
  ip: string;
  port?: number;
}

export class FakeNetwork {
  readonly probes: Probe[] = [];
  readonly hosts = new Map<string, FakeHost>();
  /** Neighbour entries the kernel learnt (by our probes), ip -> entry. */
  private readonly neighbours = new Map<string, NeighbourEntry>();
  /** The appliance's host name (os.hostname() for real). */
  hostName = 'depot-box';
  subnets: LocalSubnet[] = [
    { interface: 'eth0', address: '10.0.0.1', cidr: '10.0.0.0/24', mac: '02:00:00:00:00:01' },
  ];
  readonly clock = new ManualClock(Date.parse('2026-01-01T10:00:00Z'));
  icmpAvailable = true;

  constructor(hosts: FakeHost[] = []) {
    for (const h of hosts) this.hosts.set(h.ip, h);
  }

  add(host: FakeHost): void {
    this.hosts.set(host.ip, host);
  }

  remove(ip: string): void {
    this.hosts.delete(ip);
  }

  touched(ip: string): Probe[] {
    return this.probes.filter((p) => p.ip === ip);
  }

  /**
   * Like the kernel: sending to an address without an entry broadcasts an ARP request (REACHABLE
   * if the host answers); an existing unconfirmed entry is reused without asking (DELAY).
   */
  private resolve(ip: string): void {
    const h = this.hosts.get(ip);
    const known = this.neighbours.get(ip);
    if (known && known.state !== 'REACHABLE') this.neighbours.set(ip, { ...known, state: 'DELAY' });
    else if (!known && h?.mac && h.arp !== false)
      this.neighbours.set(ip, { ip, mac: h.mac, state: 'REACHABLE', dev: 'eth0' });
  }

  /** Time passes: confirmed entries go stale, as after the kernel's reachable time. */
  age(): void {
    for (const [ip, e] of this.neighbours) this.neighbours.set(ip, { ...e, state: 'STALE' });
  }

  /** Neighbour entries the scanner asked to drop, and the sizes of the ICMP batches it sent. */
  readonly forgotten: NeighbourEntry[] = [];
  readonly icmpBatches: number[] = [];

  /** True: mDNS browsing lasts until the scan is aborted. */
  holdMdns = false;

  /** False: like a daemon without CAP_NET_ADMIN. */
  canForget = true;

  ports(): DiscoveryPorts {
    const icmp: IcmpSweeper = {
      name: 'fake',
      sweep: async (addresses: string[], opts: IcmpSweepOptions) => {
        await opts.ready; // as fping does: nothing is sent before the old entries are gone
        this.icmpBatches.push(addresses.length);
        const alive = new Map<string, number>();
        for (const ip of addresses) {
          this.probes.push({ kind: 'icmp', ip });
          this.resolve(ip);
          const h = this.hosts.get(ip);
          if (h && h.icmp !== false) alive.set(ip, 0.3);
        }
        return alive;
      },
    };
    return {
      icmp: this.icmpAvailable ? icmp : undefined,
      tcp: {
        connect: async (ip, port): Promise<TcpOutcome> => {
          this.probes.push({ kind: 'tcp', ip, port });
          this.resolve(ip);
          const h = this.hosts.get(ip);
          if (!h || h.tcpSilent) return 'silent';
          return h.open?.includes(port) ? 'open' : 'closed';
        },
        banner: async (ip, port) => {
          this.probes.push({ kind: 'banner', ip, port });
          return this.hosts.get(ip)?.banners?.[port];
        },
      },
      neighbours: {
        read: async () => [...this.neighbours.values()],
        forget: async (entries) => {
          if (!this.canForget) throw new Error('Operation not permitted');
          for (const e of entries) this.neighbours.delete(e.ip);
          this.forgotten.push(...entries);
        },
      },
      mdns: {
        browse: async (_windowMs, signal): Promise<MdnsRecord[]> => {
          // A held window lasts until the scan is aborted: a scan that is reliably still running.
          if (this.holdMdns) await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
          return [...this.hosts.values()].flatMap((h) =>
            (h.services ?? []).map((service) => ({ address: h.ip, hostname: h.mdnsHostname, service })),
          );
        },
      },
      reverseDns: {
        lookup: async (ip) => {
          this.probes.push({ kind: 'rdns', ip });
          return this.hosts.get(ip)?.reverse ?? [];
        },
      },
      interfaces: { connectedSubnets: () => this.subnets, hostName: () => this.hostName },
      vendorOf,
      clock: this.clock,
    };
  }
}

export const fastSettings = {
  packetsPerSecond: 50_000,
  concurrency: 64,
  icmpTimeoutMs: 100,
  icmpRetries: 0,
  tcpTimeoutMs: 100,
  ports: [22, 80, 443, 445, 631, 3389, 8009, 9100, 62078],
  livenessPorts: [22, 80, 443, 445],
  mdns: true,
  mdnsWindowMs: 100,
  reverseDns: true,
  enrichTimeoutMs: 100,
};
