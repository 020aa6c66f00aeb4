/**
 * One scan of a scope: ICMP sweep, the neighbour table for MACs (and hosts that drop ICMP but
 * answer ARP), TCP connects on a handful of telling ports, mDNS browsing in parallel, then
 * enrichment (banners, reverse DNS, vendor, class). Sends only to the addresses it is given; mDNS
 * answers from outside that list are dropped. One bad host never stops the scan.
 */
import { SELF_EVIDENCE } from './asset.js';
import { eachLimit } from './bounded-pool.js';
import { type Classification, classify } from './classify.js';
import { formatIpv4, ipSortKey, parseIpv4 } from './ipv4.js';
import { Pacer } from './pacer.js';
import type { DiscoveryPorts, MdnsService } from './ports.js';
import { applyNeighbours, type SweepHit, type SweepSettings, sweepIcmpArp } from './sweep.js';

export interface ScanSettings extends SweepSettings {
  concurrency: number;
  tcpTimeoutMs: number;
  /** Probed on every live host: what is open says what the device is. */
  ports: number[];
  /** Probed on addresses that are not on a directly connected subnet and did not answer ICMP. */
  livenessPorts: number[];
  mdns: boolean;
  mdnsWindowMs: number;
  reverseDns: boolean;
  enrichTimeoutMs: number;
}

export type Evidence = 'icmp' | 'arp' | 'tcp' | 'mdns';

export interface Observation extends Classification {
  ip: string;
  mac: string | null;
  vendor: string | null;
  seenBy: Evidence[];
  rttMs: number | null;
  openPorts: number[];
  banners: Record<string, string>;
  hostnames: string[];
  services: MdnsService[];
}

/**
 * Services listed for one address, the first heard: a device advertises a handful, and a LAN host
 * answering with thousands made every scan slow and every asset of its addresses big.
 */
export const MAX_SERVICES = 64;

export type ScanPhase = 'icmp' | 'tcp' | 'mdns' | 'enrich' | 'done';

export interface ScanProgress {
  phase: ScanPhase;
  done: number;
  total: number;
  alive: number;
}

/** Ports whose answer is a greeting line (SSH, FTP, SMTP) or an HTTP response. */
const BANNER_KIND: Record<number, 'greeting' | 'http'> = {
  21: 'greeting',
  22: 'greeting',
  25: 'greeting',
  80: 'http',
  631: 'http',
  8080: 'http',
  8008: 'http',
};

const inSubnet = (ip: number, cidr: string): boolean => {
  const [base = '', len = '32'] = cidr.split('/');
  const b = parseIpv4(base);
  if (b === undefined) return false;
  const size = 2 ** (32 - Number(len));
  return Math.floor(ip / size) === Math.floor(b / size);
};

interface Draft {
  ip: string;
  mac: string | null;
  seenBy: Set<Evidence>;
  rttMs: number | null;
  openPorts: Set<number>;
  banners: Record<string, string>;
  hostnames: Set<string>;
  services: MdnsService[];
  /** `type name` of each service listed, to list each once. */
  serviceKeys: Set<string>;
}

const newDraft = (ip: string): Draft => ({
  ip,
  mac: null,
  seenBy: new Set(),
  rttMs: null,
  openPorts: new Set(),
  banners: {},
  hostnames: new Set(),
  services: [],
  serviceKeys: new Set(),
});

type Probe = [ip: string, port: number];

/** The state of one scan and its phases, in the order `runScan` calls them. */
class ScanRun {
  readonly drafts = new Map<string, Draft>();
  readonly scope: Set<string>;
  readonly local: ReturnType<DiscoveryPorts['interfaces']['connectedSubnets']>;
  private readonly pacer: Pacer;
  private probesDone = 0;

  constructor(
    readonly addresses: readonly number[],
    readonly ports: DiscoveryPorts,
    readonly settings: ScanSettings,
    readonly onProgress: (p: ScanProgress) => void,
    readonly signal: AbortSignal | undefined,
    readonly onWarning: (message: string, err: unknown) => void,
  ) {
    this.scope = new Set(addresses.map(formatIpv4));
    this.pacer = new Pacer(settings.packetsPerSecond);
    this.local = ports.interfaces.connectedSubnets();
  }

  draft(ip: string): Draft {
    let d = this.drafts.get(ip);
    if (!d) {
      d = newDraft(ip);
      this.drafts.set(ip, d);
    }
    return d;
  }

  report(phase: ScanPhase, done: number, total: number): void {
    this.onProgress({ phase, done, total, alive: this.drafts.size });
  }

  /** ICMP sweep and the neighbour table; the appliance's own addresses get their MAC from the interface. */
  async sweep(): Promise<void> {
    const ips = [...this.scope];
    this.report('icmp', 0, ips.length);
    const hits = await sweepIcmpArp(ips, this.ports, this.settings, {
      signal: this.signal,
      warn: this.onWarning,
      progress: (done, total) => this.report('icmp', done, total),
    });
    for (const [ip, hit] of hits) {
      const d = this.draft(ip);
      if (hit.rttMs !== null) {
        d.seenBy.add('icmp');
        d.rttMs = hit.rttMs;
      }
      if (hit.arp) d.seenBy.add('arp');
      d.mac = hit.mac;
    }
    this.signal?.throwIfAborted();
    // The appliance's own addresses answer ping but are not in its neighbour table.
    for (const own of this.local) {
      const d = this.drafts.get(own.address);
      if (d) d.mac ??= own.mac;
    }
  }

  /** Hosts found later (TCP, off-link) get their MACs from a second read of the table. */
  private async readNeighbours(): Promise<void> {
    const entries = await this.ports.neighbours.read().catch(() => []);
    const more = new Map<string, SweepHit>();
    for (const [ip, d] of this.drafts) more.set(ip, { rttMs: d.rttMs, mac: d.mac, arp: d.seenBy.has('arp') });
    applyNeighbours(entries, this.scope, more);
    for (const [ip, hit] of more) {
      const d = this.draft(ip);
      if (hit.arp) d.seenBy.add('arp');
      d.mac = hit.mac;
    }
  }

  private async probe([ip, port]: Probe): Promise<void> {
    await this.pacer.take();
    const outcome = await this.ports.tcp
      .connect(ip, port, this.settings.tcpTimeoutMs, this.signal)
      .catch(() => 'silent' as const);
    this.probesDone++;
    if (outcome === 'silent') return;
    const d = this.draft(ip);
    d.seenBy.add('tcp');
    if (outcome === 'open') d.openPorts.add(port);
  }

  /**
   * TCP: liveness ports on addresses that stayed silent and are off-link (behind a router, no ARP:
   * a refused connect still proves a host), then the telling ports on every live host.
   */
  async probeTcp(): Promise<void> {
    const { settings, signal } = this;
    const connected = this.local.map((s) => s.cidr);
    const unanswered = this.addresses.filter((n) => {
      if (this.drafts.has(formatIpv4(n))) return false;
      return !this.ports.icmp || !connected.some((c) => inSubnet(n, c));
    });
    const liveness = unanswered.flatMap((n) => settings.livenessPorts.map((p): Probe => [formatIpv4(n), p]));
    const total = liveness.length + this.drafts.size * settings.ports.length;
    this.report('tcp', 0, total);
    await eachLimit(liveness, settings.concurrency, (item) => this.probe(item), signal);
    const telling = [...this.drafts.keys()]
      .flatMap((ip) => settings.ports.map((p): Probe => [ip, p]))
      .filter(([ip, p]) => !this.drafts.get(ip)?.openPorts.has(p));
    const each = async (item: Probe): Promise<void> => {
      await this.probe(item);
      if (this.probesDone % 64 === 0) this.report('tcp', this.probesDone, total);
    };
    await eachLimit(telling, settings.concurrency, each, signal);
    this.report('tcp', total, total);
    if (unanswered.length) await this.readNeighbours();
    signal?.throwIfAborted();
  }

  /** Hosts whose reverse name was looked up already (while the TCP probes ran). */
  private readonly named = new Set<string>();

  /** Reverse DNS for hosts the sweep found, run alongside the TCP probes (it needs no open port). */
  async reverseAll(list: Draft[]): Promise<void> {
    if (!this.settings.reverseDns) return;
    for (const d of list) this.named.add(d.ip);
    const each = async (d: Draft): Promise<void> => {
      const names = await this.ports.reverseDns.lookup(d.ip, this.settings.enrichTimeoutMs).catch(() => []);
      for (const n of names) d.hostnames.add(n);
    };
    await eachLimit(list, 64, each, this.signal);
  }

  /** Banners on open greeting/HTTP ports and reverse DNS (unless looked up already), for one host. */
  private async enrich(d: Draft): Promise<void> {
    const { ports, settings } = this;
    const jobs: Array<Promise<void>> = [];
    for (const port of d.openPorts) {
      const kind = BANNER_KIND[port];
      if (!kind) continue;
      const banner = ports.tcp.banner(d.ip, port, kind, settings.enrichTimeoutMs);
      const keep = (b: string | null | undefined): void => {
        if (b) d.banners[String(port)] = b;
      };
      jobs.push(banner.then(keep).catch(() => {}));
    }
    if (settings.reverseDns && !this.named.has(d.ip)) {
      const names = ports.reverseDns.lookup(d.ip, settings.enrichTimeoutMs);
      const keep = (list: readonly string[]): void => {
        for (const n of list) d.hostnames.add(n);
      };
      jobs.push(names.then(keep).catch(() => {}));
    }
    await Promise.all(jobs);
  }

  async enrichAll(list: Draft[]): Promise<void> {
    let enriched = 0;
    this.report('enrich', 0, list.length);
    const each = async (d: Draft): Promise<void> => {
      await this.enrich(d);
      enriched++;
      if (enriched % 32 === 0) this.report('enrich', enriched, list.length);
    };
    await eachLimit(list, Math.min(this.settings.concurrency, 64), each, this.signal);
    this.signal?.throwIfAborted();
  }

  /** What mDNS heard inside the scope; answers from outside it are dropped. */
  mergeMdns(heard: Awaited<ReturnType<DiscoveryPorts['mdns']['browse']>>): void {
    this.report('mdns', 0, 1);
    for (const r of heard) {
      if (!this.scope.has(r.address)) continue;
      const d = this.draft(r.address);
      d.seenBy.add('mdns');
      if (r.hostname) d.hostnames.add(`${r.hostname}.local`);
      const service = r.service;
      const key = service ? `${service.type}\0${service.name}` : undefined;
      if (service && key !== undefined && d.services.length < MAX_SERVICES && !d.serviceKeys.has(key)) {
        d.serviceKeys.add(key);
        d.services.push(service);
      }
    }
  }

  observation(d: Draft): Observation {
    const self = this.local.some((l) => l.address === d.ip);
    // The appliance's own row is named as the machine calls itself (nothing else names it).
    const ownName = self ? this.ports.interfaces.hostName?.() : undefined;
    if (ownName) d.hostnames.add(ownName);
    const base = {
      ip: d.ip,
      mac: d.mac,
      vendor: d.mac ? (this.ports.vendorOf(d.mac) ?? null) : null,
      seenBy: [...d.seenBy].sort(),
      rttMs: d.rttMs,
      openPorts: [...d.openPorts].sort((a, b) => a - b),
      banners: d.banners,
      hostnames: [...d.hostnames].sort(),
      services: d.services,
    };
    const result = { ...base, ...classify(base) };
    if (self) result.evidence.unshift(SELF_EVIDENCE);
    return result;
  }
}

export const runScan = async (
  addresses: readonly number[],
  ports: DiscoveryPorts,
  settings: ScanSettings,
  onProgress: (p: ScanProgress) => void = () => {},
  signal?: AbortSignal,
  /** Problems that degrade the scan without stopping it (fping refused, table unreadable). */
  onWarning: (message: string, err: unknown) => void = () => {},
  /** Given a look at what the scan has found so far (for a page that shows it while it runs). */
  onStart: (peek: () => Observation[]) => void = () => {},
): Promise<Observation[]> => {
  const run = new ScanRun(addresses, ports, settings, onProgress, signal, onWarning);
  onStart(() =>
    [...run.drafts.values()].map((d) => run.observation(d)).sort((a, b) => ipSortKey(a.ip) - ipSortKey(b.ip)),
  );
  // mDNS listens for the whole window while the active sweep runs.
  const heard =
    settings.mdns && addresses.length
      ? ports.mdns.browse(settings.mdnsWindowMs, signal).catch(() => [])
      : Promise.resolve([]);
  await run.sweep();
  const named = run.reverseAll([...run.drafts.values()]);
  await run.probeTcp();
  await named;
  // Banners and reverse DNS for the hosts found so far run while the mDNS window is still open.
  const swept = new Set(run.drafts.keys());
  await run.enrichAll([...run.drafts.values()]);
  run.mergeMdns(await heard);
  // Devices that only spoke mDNS (no ICMP, ARP or TCP answer) still get their reverse name.
  const mdnsOnly = [...run.drafts.values()].filter((d) => !swept.has(d.ip));
  if (mdnsOnly.length) await run.enrichAll(mdnsOnly);
  signal?.throwIfAborted();
  const observations = [...run.drafts.values()]
    .map((d) => run.observation(d))
    .sort((a, b) => ipSortKey(a.ip) - ipSortKey(b.ip));
  const n = observations.length;
  onProgress({ phase: 'done', done: n, total: n, alive: n });
  return observations;
};
