/**
 * One scan of a scope: ICMP sweep, the neighbour table for MACs (and hosts that drop ICMP but
 * answer ARP), TCP connects on a handful of telling ports, mDNS browsing in parallel, then
 * enrichment (banners, reverse DNS, vendor, class). Sends only to the addresses it is given; mDNS
 * answers from outside that list are dropped. One bad host never stops the scan.
 */
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
}

export const runScan = async (
  addresses: readonly number[],
  ports: DiscoveryPorts,
  settings: ScanSettings,
  onProgress: (p: ScanProgress) => void = () => {},
  signal?: AbortSignal,
  /** Problems that degrade the scan without stopping it (fping refused, table unreadable). */
  onWarning: (message: string, err: unknown) => void = () => {},
): Promise<Observation[]> => {
  const ips = addresses.map(formatIpv4);
  const scope = new Set(ips);
  const drafts = new Map<string, Draft>();
  const draft = (ip: string): Draft => {
    let d = drafts.get(ip);
    if (!d) {
      d = {
        ip,
        mac: null,
        seenBy: new Set(),
        rttMs: null,
        openPorts: new Set(),
        banners: {},
        hostnames: new Set(),
        services: [],
      };
      drafts.set(ip, d);
    }
    return d;
  };
  const report = (phase: ScanPhase, done: number, total: number): void =>
    onProgress({ phase, done, total, alive: drafts.size });
  const pacer = new Pacer(settings.packetsPerSecond);

  // mDNS listens for the whole window while the active sweep runs.
  const mdnsResult =
    settings.mdns && ips.length
      ? ports.mdns.browse(settings.mdnsWindowMs, signal).catch(() => [])
      : Promise.resolve([]);

  report('icmp', 0, ips.length);
  const hits = await sweepIcmpArp(ips, ports, settings, {
    signal,
    warn: onWarning,
    progress: (done, total) => report('icmp', done, total),
  });
  for (const [ip, hit] of hits) {
    const d = draft(ip);
    if (hit.rttMs !== null) {
      d.seenBy.add('icmp');
      d.rttMs = hit.rttMs;
    }
    if (hit.arp) d.seenBy.add('arp');
    d.mac = hit.mac;
  }
  signal?.throwIfAborted();
  // Hosts found later (TCP, off-link) get their MACs from a second read of the table.
  const readNeighbours = async (): Promise<void> => {
    const entries = await ports.neighbours.read().catch(() => []);
    const more = new Map<string, SweepHit>();
    for (const [ip, d] of drafts) more.set(ip, { rttMs: d.rttMs, mac: d.mac, arp: d.seenBy.has('arp') });
    applyNeighbours(entries, scope, more);
    for (const [ip, hit] of more) {
      const d = draft(ip);
      if (hit.arp) d.seenBy.add('arp');
      d.mac = hit.mac;
    }
  };

  // The appliance's own addresses answer ping but are not in its neighbour table.
  const local = ports.interfaces.connectedSubnets();
  for (const own of local) {
    const d = drafts.get(own.address);
    if (d) d.mac ??= own.mac;
  }
  // Off-link addresses (behind a router) have no ARP: a connect that is refused still proves a host.
  const connected = local.map((s) => s.cidr);
  const unanswered = addresses.filter((n) => {
    if (drafts.has(formatIpv4(n))) return false;
    return !ports.icmp || !connected.some((c) => inSubnet(n, c));
  });
  const probes: Array<[string, number]> = unanswered.flatMap((n) =>
    settings.livenessPorts.map((p): [string, number] => [formatIpv4(n), p]),
  );
  let done = 0;
  const probe = async ([ip, port]: [string, number]): Promise<void> => {
    await pacer.take();
    const outcome = await ports.tcp
      .connect(ip, port, settings.tcpTimeoutMs, signal)
      .catch(() => 'silent' as const);
    done++;
    if (outcome === 'silent') return;
    const d = draft(ip);
    d.seenBy.add('tcp');
    if (outcome === 'open') d.openPorts.add(port);
  };
  const live = (): string[] => [...drafts.keys()];
  const portProbes = (): Array<[string, number]> =>
    live().flatMap((ip) => settings.ports.map((p): [string, number] => [ip, p]));
  const total = probes.length + live().length * settings.ports.length;
  report('tcp', 0, total);
  await eachLimit(probes, settings.concurrency, probe, signal);
  const second = portProbes().filter(([ip, p]) => !drafts.get(ip)?.openPorts.has(p));
  await eachLimit(
    second,
    settings.concurrency,
    async (item) => {
      await probe(item);
      if (done % 64 === 0) report('tcp', done, total);
    },
    signal,
  );
  report('tcp', total, total);
  if (unanswered.length) await readNeighbours();
  signal?.throwIfAborted();

  // Banners and reverse DNS for the hosts found so far run while the mDNS window is still open.
  const enrich = async (d: Draft): Promise<void> => {
    const jobs: Array<Promise<void>> = [];
    for (const port of d.openPorts) {
      const kind = BANNER_KIND[port];
      if (!kind) continue;
      jobs.push(
        ports.tcp
          .banner(d.ip, port, kind, settings.enrichTimeoutMs)
          .then((b) => {
            if (b) d.banners[String(port)] = b;
          })
          .catch(() => {}),
      );
    }
    if (settings.reverseDns) {
      jobs.push(
        ports.reverseDns
          .lookup(d.ip, settings.enrichTimeoutMs)
          .then((names) => {
            for (const n of names) d.hostnames.add(n);
          })
          .catch(() => {}),
      );
    }
    await Promise.all(jobs);
  };
  const enrichAll = async (list: Draft[]): Promise<void> => {
    let enriched = 0;
    report('enrich', 0, list.length);
    await eachLimit(
      list,
      Math.min(settings.concurrency, 64),
      async (d) => {
        await enrich(d);
        enriched++;
        if (enriched % 32 === 0) report('enrich', enriched, list.length);
      },
      signal,
    );
  };
  const swept = new Set(drafts.keys());
  await enrichAll([...drafts.values()]);
  signal?.throwIfAborted();

  report('mdns', 0, 1);
  for (const r of await mdnsResult) {
    if (!scope.has(r.address)) continue;
    const d = draft(r.address);
    d.seenBy.add('mdns');
    if (r.hostname) d.hostnames.add(`${r.hostname}.local`);
    if (r.service && !d.services.some((s) => s.type === r.service!.type && s.name === r.service!.name)) {
      d.services.push(r.service);
    }
  }
  // Devices that only spoke mDNS (no ICMP, ARP or TCP answer) still get their reverse name.
  const mdnsOnly = [...drafts.values()].filter((d) => !swept.has(d.ip));
  if (mdnsOnly.length) await enrichAll(mdnsOnly);
  signal?.throwIfAborted();
  const hosts = [...drafts.values()];

  const observations = hosts
    .map((d): Observation => {
      const vendor = d.mac ? (ports.vendorOf(d.mac) ?? null) : null;
      const base = {
        ip: d.ip,
        mac: d.mac,
        vendor,
        seenBy: [...d.seenBy].sort(),
        rttMs: d.rttMs,
        openPorts: [...d.openPorts].sort((a, b) => a - b),
        banners: d.banners,
        hostnames: [...d.hostnames].sort(),
        services: d.services,
      };
      const result = { ...base, ...classify(base) };
      if (local.some((l) => l.address === d.ip)) result.evidence.unshift('this appliance');
      return result;
    })
    .sort((a, b) => ipSortKey(a.ip) - ipSortKey(b.ip));
  onProgress({
    phase: 'done',
    done: observations.length,
    total: observations.length,
    alive: observations.length,
  });
  return observations;
};
