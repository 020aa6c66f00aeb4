/**
 * The ICMP + ARP part of a scan: who answers, and with which MAC. Before sending, the scope's
 * neighbour entries are cleared so every address is asked afresh by broadcast (an existing entry
 * is reused without asking and proves nothing). Large scopes go in chunks: the kernel's neighbour
 * table is shared by every namespace and holds 1,024 entries by default, so a /22 sent at once
 * would overflow it and silently lose hosts; each chunk's unanswered entries are dropped before
 * the next chunk.
 */
import { parseIpv4 } from './ipv4.js';
import type { DiscoveryPorts, NeighbourEntry } from './ports.js';

export const SWEEP_CHUNK = 256;

/** The scan settings the sweep uses (the scanner's ScanSettings extends them). */
export interface SweepSettings {
  packetsPerSecond: number;
  icmpTimeoutMs: number;
  icmpRetries: number;
}

export interface SweepHit {
  /** ICMP round trip, when the host answered ping. */
  rttMs: number | null;
  mac: string | null;
  /** The neighbour entry was confirmed during this sweep (the host answered ARP). */
  arp: boolean;
}

export interface SweepHooks {
  signal?: AbortSignal | undefined;
  warn: (message: string, err: unknown) => void;
  progress: (done: number, total: number) => void;
}

const interfaceFor = (ip: string, ports: DiscoveryPorts): string | undefined => {
  const n = parseIpv4(ip);
  if (n === undefined) return undefined;
  return ports.interfaces.connectedSubnets().find((s) => {
    const [base = '', len = '32'] = s.cidr.split('/');
    const size = 2 ** (32 - Number(len));
    return Math.floor(n / size) === Math.floor((parseIpv4(base) ?? -1) / size);
  })?.interface;
};

/** Fold neighbour entries into the hits: REACHABLE/PERMANENT prove a host; others only lend a MAC. */
export const applyNeighbours = (
  entries: NeighbourEntry[],
  scope: Set<string>,
  hits: Map<string, SweepHit>,
): void => {
  for (const e of entries) {
    if (!scope.has(e.ip)) continue;
    const confirmed = e.state === 'REACHABLE' || e.state === 'PERMANENT';
    const hit = hits.get(e.ip);
    if (hit) {
      hit.mac = e.mac;
      hit.arp ||= confirmed;
    } else if (confirmed) {
      hits.set(e.ip, { rttMs: null, mac: e.mac, arp: true });
    }
  }
};

export const sweepIcmpArp = async (
  ips: string[],
  ports: DiscoveryPorts,
  settings: SweepSettings,
  hooks: SweepHooks,
): Promise<Map<string, SweepHit>> => {
  const scope = new Set(ips);
  const hits = new Map<string, SweepHit>();
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string, err: unknown): void => {
    if (warned.has(key)) return;
    warned.add(key);
    hooks.warn(message, err);
  };
  // The quick read has no NUD state: it serves to find entries to forget, and once they are gone
  // (every entry in the scope is then new). Otherwise only the full read tells fresh from stale.
  let forgotten = false;
  const { neighbours } = ports;
  const readTable = (quick = forgotten) =>
    (quick && neighbours.readQuick ? neighbours.readQuick() : neighbours.read()).catch((err: unknown) => {
      warnOnce('read', 'could not read the neighbour table: no MAC addresses this scan', err);
      return [];
    });
  const forget = async (entries: NeighbourEntry[]): Promise<boolean> => {
    if (!entries.length) return true;
    try {
      await ports.neighbours.forget(entries);
      return true;
    } catch (err) {
      warnOnce('forget', `could not refresh ${entries.length} neighbour entries (needs CAP_NET_ADMIN)`, err);
      return false;
    }
  };

  // Complete entries are all the kernel reuses without asking; the quick read lists exactly those.
  const before = await readTable(true);
  // fping starts while the entries are being forgotten, and sends once they are gone.
  let ready: Promise<unknown> = forget(
    before.filter((e) => scope.has(e.ip) && e.state !== 'PERMANENT' && e.state !== 'NOARP'),
  ).then((ok) => {
    forgotten = ok;
  });

  const chunked = ips.length > SWEEP_CHUNK;
  for (let i = 0; i < ips.length; i += SWEEP_CHUNK) {
    const chunk = ips.slice(i, i + SWEEP_CHUNK);
    if (ports.icmp) {
      const answered = await ports.icmp
        .sweep(chunk, {
          timeoutMs: settings.icmpTimeoutMs,
          retries: settings.icmpRetries,
          packetsPerSecond: settings.packetsPerSecond,
          ready,
          ...(hooks.signal ? { signal: hooks.signal } : {}),
        })
        .catch((err: unknown) => {
          if (!hooks.signal?.aborted)
            warnOnce('icmp', `ICMP sweep with ${ports.icmp!.name} failed; relying on ARP and TCP`, err);
          return new Map<string, number>();
        });
      for (const [ip, rtt] of answered)
        if (scope.has(ip)) hits.set(ip, { rttMs: rtt, mac: null, arp: false });
    }
    await ready;
    hooks.signal?.throwIfAborted();
    if (chunked) {
      applyNeighbours(await readTable(), scope, hits);
      const unanswered = chunk.filter((ip) => !hits.has(ip));
      const entries = unanswered.flatMap((ip) => {
        const dev = interfaceFor(ip, ports);
        return dev ? [{ ip, mac: '', state: 'INCOMPLETE', dev }] : [];
      });
      ready = forget(entries);
    }
    hooks.progress(Math.min(i + SWEEP_CHUNK, ips.length), ips.length);
  }
  applyNeighbours(await readTable(), scope, hits);
  return hits;
};
