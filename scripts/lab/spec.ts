/**
 * What a simulated site looks like: the hosts the caller asks for, and the concrete plan (namespace
 * names, addresses, MACs) derived from it. Pure and deterministic: the same spec gives the same
 * names, addresses and MACs, so tests can assert them.
 */

/** Every lab subnet is a /24 inside this /16; it exists only inside the lab's namespaces. */
export const LAB_RANGE_PREFIX = '10.213';
/** Namespace names start with this, so `status` and `down` find every lab, even a crashed run's. */
export const NS_PREFIX = 'pdl-';
/** Host addresses start at .10; the appliance is .1. */
export const FIRST_HOST_OCTET = 10;
export const MAX_HOSTS = 240;

export interface MdnsServiceSpec {
  /** DNS-SD type without the protocol, e.g. 'ipp', 'http', 'ssh', 'googlecast'. */
  type: string;
  name: string;
  port: number;
  protocol?: 'tcp' | 'udp';
  txt?: Record<string, string>;
}

export interface TcpPortSpec {
  port: number;
  /** Sent to every client on connect (an SSH greeting, say); HTTP ports answer requests instead. */
  banner?: string;
  /** Answer HTTP requests with this Server header. */
  httpServer?: string;
}

export type HostKind = 'ping' | 'ports' | 'mdns' | 'silent';

export interface HostSpec {
  kind: HostKind;
  /** Short label, part of the namespace name; default h<index>. */
  label?: string;
  /** Override the deterministic MAC (e.g. a real vendor OUI for vendor tests). */
  mac?: string;
  /** Override the address' last octet (a /24 lab). */
  octet?: number;
  /** Override the address as an offset into the lab subnet (e.g. 600 in a /22). */
  offset?: number;
  /** Answer ICMP echo (default: true except for silent hosts). */
  ping?: boolean;
  tcp?: TcpPortSpec[];
  /** mDNS host name (without .local) and services to advertise. */
  mdnsHostname?: string;
  services?: MdnsServiceSpec[];
  /** Install nft counters for every packet addressed to this host (to prove it was never probed). */
  countPackets?: boolean;
}

export interface LabSpec {
  /** Lab name: lowercase letters and digits, 1-12 chars. Namespaces are `pdl-<name>-...`. */
  name: string;
  hosts: HostSpec[];
  /** 24 (default), 23 or 22: a wider subnet for scans of more than 254 addresses. */
  prefixLength?: 22 | 23 | 24;
  /** Third octet of 10.213.X.0/24; default derived from the name (aligned to the prefix). */
  subnetOctet?: number;
}

export interface PlannedHost {
  index: number;
  label: string;
  kind: HostKind;
  ns: string;
  ip: string;
  mac: string;
  ping: boolean;
  tcp: TcpPortSpec[];
  mdnsHostname: string | undefined;
  services: MdnsServiceSpec[];
  countPackets: boolean;
}

export interface LabPlan {
  name: string;
  subnet: string;
  prefixLength: number;
  bridgeNs: string;
  applianceNs: string;
  applianceIp: string;
  applianceMac: string;
  hosts: PlannedHost[];
}

const NAME_RE = /^[a-z0-9]{1,12}$/;
const LABEL_RE = /^[a-z0-9]{1,20}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const labPrefix = (name: string): string => `${NS_PREFIX}${name}-`;

/** A stable octet in 1..254 from the name, so two labs usually differ (they are isolated anyway). */
export const octetForName = (name: string): number => {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return (h % 254) + 1;
};

const hex = (n: number): string => n.toString(16).padStart(2, '0');

/** Locally administered (02:...), "PD" in the second and third byte, then subnet and host index. */
export const deterministicMac = (octet: number, index: number): string =>
  ['02', '50', '44', hex(octet), hex((index >> 8) & 0xff), hex(index & 0xff)].join(':');

export const planLab = (spec: LabSpec): LabPlan => {
  if (!NAME_RE.test(spec.name))
    throw new Error(`lab name "${spec.name}": use 1-12 lowercase letters or digits`);
  if (spec.hosts.length > MAX_HOSTS) throw new Error(`a lab holds at most ${MAX_HOSTS} hosts`);
  const prefixLength = spec.prefixLength ?? 24;
  if (![22, 23, 24].includes(prefixLength)) throw new Error(`prefix length ${prefixLength}: 22, 23 or 24`);
  const requested = spec.subnetOctet ?? octetForName(spec.name);
  if (!Number.isInteger(requested) || requested < 0 || requested > 255)
    throw new Error(`subnet octet ${requested}: 0-255`);
  const octet = requested & ~((1 << (24 - prefixLength)) - 1);
  const [a = 10, b = 213] = LAB_RANGE_PREFIX.split('.').map(Number);
  const baseInt = ((a << 24) | (b << 16) | (octet << 8)) >>> 0;
  const size = 2 ** (32 - prefixLength);
  const addr = (offset: number): string =>
    [24, 16, 8, 0].map((shift) => ((baseInt + offset) >>> shift) & 255).join('.');
  const prefix = labPrefix(spec.name);
  const used = new Set<number>([1]);
  const labels = new Set<string>();
  const hosts = spec.hosts.map((h, index): PlannedHost => {
    const label = h.label ?? `h${index}`;
    if (!LABEL_RE.test(label)) throw new Error(`host label "${label}": use 1-20 lowercase letters or digits`);
    if (labels.has(label) || label === 'br' || label === 'app')
      throw new Error(`host label "${label}" is used twice or reserved (br, app)`);
    labels.add(label);
    const last = h.offset ?? h.octet ?? FIRST_HOST_OCTET + index;
    if (!Number.isInteger(last) || last < 2 || last > size - 2 || used.has(last))
      throw new Error(`host ${label}: address ${addr(last)} (offset ${last}) is invalid or already taken`);
    used.add(last);
    const mac = (h.mac ?? deterministicMac(octet, index + 1)).toLowerCase();
    if (!MAC_RE.test(mac)) throw new Error(`host ${label}: MAC "${mac}" is not aa:bb:cc:dd:ee:ff`);
    return {
      index,
      label,
      kind: h.kind,
      ns: `${prefix}${label}`,
      ip: addr(last),
      mac,
      ping: h.ping ?? h.kind !== 'silent',
      tcp: h.tcp ?? [],
      mdnsHostname: h.mdnsHostname,
      services: h.services ?? [],
      countPackets: h.countPackets ?? false,
    };
  });
  return {
    name: spec.name,
    subnet: `${addr(0)}/${prefixLength}`,
    prefixLength,
    bridgeNs: `${prefix}br`,
    applianceNs: `${prefix}app`,
    applianceIp: addr(1),
    applianceMac: deterministicMac(octet, 0),
    hosts,
  };
};
