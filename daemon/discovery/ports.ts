/**
 * The I/O discovery needs, as small interfaces. Logic (sweep, scanner, service) imports only
 * these; real adapters are named after their technology (fping.ts, tcp-connect.ts,
 * neighbour-table.ts, mdns-browser.ts, reverse-dns.ts) and tested in test/integration and test/lab.
 */
import type { Clock } from '../lifecycle.js';

export interface IcmpSweepOptions {
  timeoutMs: number;
  retries: number;
  packetsPerSecond: number;
  signal?: AbortSignal;
  /**
   * Send nothing before this settles (the neighbour entries being forgotten); a sweeper may get
   * ready meanwhile (start its process), so the two start-ups overlap.
   */
  ready?: Promise<unknown>;
}

/** Sends ICMP echo to each address once (plus retries); resolves with the ones that answered. */
export interface IcmpSweeper {
  readonly name: string;
  sweep(addresses: string[], opts: IcmpSweepOptions): Promise<Map<string, number>>;
}

export type TcpOutcome =
  /** Connected: the port is open. */
  | 'open'
  /** Refused (RST): the port is closed but the host is alive. */
  | 'closed'
  /** No answer in time, or unreachable. */
  | 'silent';

export interface TcpProber {
  connect(ip: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpOutcome>;
  /** First line an SSH-like service sends, or the Server header of an HTTP answer. */
  banner(ip: string, port: number, kind: 'greeting' | 'http', timeoutMs: number): Promise<string | undefined>;
}

export interface NeighbourEntry {
  ip: string;
  mac: string;
  /** Kernel state: REACHABLE means confirmed recently; STALE/DELAY may be a departed host. */
  state: string;
  /** Interface the entry is on, when known (needed to remove it). */
  dev?: string;
}

export interface NeighbourTable {
  read(): Promise<NeighbourEntry[]>;
  /**
   * Complete entries without their NUD state (complete counts as REACHABLE), cheaper than read():
   * right for a scope whose entries were all just forgotten, since every entry there is then new.
   */
  readQuick?(): Promise<NeighbourEntry[]>;
  /**
   * Drop entries so the next packet makes the kernel ask afresh by broadcast: an existing entry is
   * reused without asking, so it proves nothing about the host now. Needs CAP_NET_ADMIN.
   */
  forget(entries: NeighbourEntry[]): Promise<void>;
}

export interface MdnsService {
  name: string;
  /** DNS-SD type without protocol, e.g. `ipp`, `googlecast`. */
  type: string;
  protocol: string;
  port: number;
  txt: Record<string, string>;
}

export interface MdnsRecord {
  address: string;
  hostname: string | undefined;
  service: MdnsService | undefined;
}

export interface MdnsBrowser {
  /**
   * What mDNS says about the hosts on the scanned links: common DNS-SD types plus the services
   * meta-query. A passive browser merges what it heard already and waits at most `windowMs`.
   */
  browse(windowMs: number, signal?: AbortSignal): Promise<MdnsRecord[]>;
  /** A browser that listens all the time starts and stops with discovery. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface ReverseDns {
  lookup(ip: string, timeoutMs: number): Promise<string[]>;
}

export interface LocalSubnet {
  interface: string;
  address: string;
  cidr: string;
  mac: string | null;
  /** The interface carries the default route (the way out: on a two-legged appliance, the WAN). */
  defaultRoute?: boolean;
}

/** Subnets this machine is directly attached to (for on-link checks and scope suggestions). */
export interface LocalInterfaces {
  connectedSubnets(): LocalSubnet[];
  /** This machine's host name: the name its own row on Assets shows (none: no name). */
  hostName?(): string;
}

export interface DiscoveryPorts {
  icmp: IcmpSweeper | undefined;
  tcp: TcpProber;
  neighbours: NeighbourTable;
  mdns: MdnsBrowser;
  reverseDns: ReverseDns;
  interfaces: LocalInterfaces;
  vendorOf(mac: string): string | undefined;
  clock: Clock;
}
