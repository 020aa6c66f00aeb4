/**
 * The simulated WAN between the appliance and the vendor: one veth pair (appliance `wan0`,
 * vendor `eth0`) in 10.212.X.0/24, shaped with tc tbf each way (this kernel has no netem), nft
 * byte counters in the vendor namespace (`rx` what the vendor received, `tx` what it sent), and
 * optional random loss each way with nft numgen. Latency is the vendor server's (vendor-server.ts).
 * The appliance's default route leaves by `wan0` to the vendor, as a real site's WAN link does (the
 * Scopes page tells the WAN from the LAN by it); the vendor namespace routes nowhere and forwards
 * nothing, so nothing leaks. Hosts have no default route: they reach the vendor only through the
 * appliance's cache proxy.
 */
import { ipBatch, run } from './netns.js';
import { applyFilter, setUdpLoss } from './packet-filter.js';
import type { LabPlan, PlannedVendor } from './spec.js';

export interface WanCounters {
  /** Bytes the vendor received over the link (requests). */
  rxBytes: number;
  /** Bytes the vendor sent over the link (responses: what crossed the WAN toward the site). */
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

/**
 * nft counters in the vendor namespace. Input counts before the loss rule (what arrived on the
 * wire), output after it (what actually left): both are bytes that crossed the link.
 */
export const WAN_RULESET = `table inet pdwan {
  counter rx { }
  counter tx { }
  chain in { type filter hook input priority -10; policy accept; iifname "eth0" counter name "rx"; }
  chain out { type filter hook output priority 10; policy accept; oifname "eth0" counter name "tx"; }
}
`;

/** tbf on one interface: `rate` kbit/s with a burst of ~10 ms and up to 200 ms of queue. */
const shape = (ns: string, dev: string, rateKbit: number): Promise<string> => {
  const burstBytes = Math.max(3000, Math.round((rateKbit * 1000) / 8 / 100));
  return run('ip', [
    'netns',
    'exec',
    ns,
    'tc',
    'qdisc',
    'replace',
    'dev',
    dev,
    'root',
    'tbf',
    'rate',
    `${rateKbit}kbit`,
    'burst',
    String(burstBytes),
    'latency',
    '200ms',
  ]);
};

/** The link, its shaping and counters. The vendor namespace must exist, the appliance's too. */
export const buildWan = async (applianceNs: string, v: PlannedVendor): Promise<void> => {
  await ipBatch(
    [
      'link set lo up',
      `link add wan0 type veth peer name eth0 netns ${v.ns}`,
      `addr add ${v.applianceWanIp}/24 dev wan0`,
      'link set wan0 up',
      `route add default via ${v.ip} dev wan0`,
    ],
    applianceNs,
  );
  await ipBatch(['link set lo up', `addr add ${v.ip}/24 dev eth0`, 'link set eth0 up'], v.ns);
  await run('ip', ['netns', 'exec', v.ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  await shape(applianceNs, 'wan0', v.rateKbit);
  await shape(v.ns, 'eth0', v.rateKbit);
  await applyFilter(v.ns, WAN_RULESET);
  if (v.lossPercent > 0) await setWanLoss(v, v.lossPercent);
};

/**
 * Make the appliance namespace a plain branch router with no cache: forwarding on, each host a
 * route to the WAN subnet through it, the vendor a route back to the site. For a peer tool whose
 * hosts fetch straight from the vendor (bench/deploy's Ansible), so its bytes cross the same link
 * and counters. Still no default route on the hosts: only the vendor becomes reachable.
 */
export const routeSiteToVendor = async (plan: LabPlan): Promise<void> => {
  const v = plan.vendor;
  if (!v) throw new Error(`lab ${plan.name} has no vendor`);
  const wanSubnet = `${v.applianceWanIp.replace(/\.\d+$/, '.0')}/24`;
  await run('ip', ['netns', 'exec', plan.applianceNs, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  await ipBatch([`route replace ${plan.subnet} via ${v.applianceWanIp}`], v.ns);
  await Promise.all(
    plan.hosts.map((h) => ipBatch([`route replace ${wanSubnet} via ${plan.applianceIp}`], h.ns)),
  );
};

/** Drop `percent` of the TCP packets each way at random (0 removes it); counters keep counting. */
export const setWanLoss = (v: PlannedVendor, percent: number): Promise<void> =>
  setUdpLoss(v.ns, percent, 'meta l4proto tcp');

export const readWanCounters = async (vendorNs: string): Promise<WanCounters> => {
  const out = await run('ip', ['netns', 'exec', vendorNs, 'nft', '-j', 'list', 'table', 'inet', 'pdwan']);
  const doc = JSON.parse(out) as {
    nftables: Array<{ counter?: { name: string; packets: number; bytes: number } }>;
  };
  const get = (name: string, field: 'packets' | 'bytes'): number =>
    doc.nftables.find((e) => e.counter?.name === name)?.counter?.[field] ?? 0;
  return {
    rxBytes: get('rx', 'bytes'),
    txBytes: get('tx', 'bytes'),
    rxPackets: get('rx', 'packets'),
    txPackets: get('tx', 'packets'),
  };
};
