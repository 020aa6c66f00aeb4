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
/** The simulated WAN link between the appliance and the vendor: 10.212.X.0/24 (.1 appliance, .2 vendor). */
export const WAN_RANGE_PREFIX = '10.212';
/** Per-lab files (vendor repo, managed hosts' overlay upper dirs); `down` removes the lab's. */
export const LAB_WORK_ROOT = '/tmp/patch-depot-lab';

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
  /** Run as a managed machine: its own root filesystem, PID namespace and sshd (managed-host.ts). */
  managed?: ManagedSpec | boolean;
}

/** A managed machine, and the awkward ways it may behave (any mix). */
export interface ManagedSpec {
  /** The vendor's fixed packages' postinst exits 1 on this host. */
  failPostinst?: boolean;
  /** Hold dpkg's lock-frontend (an fcntl lock, as apt takes it) for this many seconds after each boot. */
  lockSeconds?: number;
  /** The vendor's fixed packages write /var/run/reboot-required on this host. */
  needsReboot?: boolean;
  /** Off (no ARP, ping or SSH) until a Wake-on-LAN magic packet for its MAC reaches UDP 9. */
  asleep?: boolean;
  /**
   * An Enterprise Linux 9 stand-in (managed-rpm.ts): os-release says Rocky Linux 9, the vendor's
   * old rpms are in its rpm database, dnf fetches from the vendor's rpm repository.
   */
  rpm?: boolean;
}

export interface VendorSpec {
  /** WAN rate each way in kbit/s (tc tbf); default 50,000. */
  rateKbit?: number;
  /** Packets dropped at random each way (nft numgen), percent; default 0. */
  lossPercent?: number;
  /** Added by the vendor's server before each response; default 0. */
  latencyMs?: number;
  /** Incompressible payload in each lab package; default 64 KiB. */
  payloadBytes?: number;
  /** HTTP port of the vendor's server; default 80. */
  port?: number;
}

export interface LabSpec {
  /** Lab name: lowercase letters and digits, 1-12 chars. Namespaces are `pdl-<name>-...`. */
  name: string;
  hosts: HostSpec[];
  /** 24 (default), 23 or 22: a wider subnet for scans of more than 254 addresses. */
  prefixLength?: 22 | 23 | 24;
  /** Third octet of 10.213.X.0/24; default derived from the name (aligned to the prefix). */
  subnetOctet?: number;
  /** A vendor behind a simulated WAN link (implied by any managed host). */
  vendor?: VendorSpec;
  /** Public keys authorised for root on every managed host (the appliance's, a test's). */
  authorizedKeys?: string[];
  /**
   * Keep each managed host's SSH host key and machine-id in `labKeepDir(name)` and reuse them when
   * the lab is built again (the demo): the appliance then knows its hosts after a restart instead
   * of refusing them all for a changed host key.
   */
  keepIdentity?: boolean;
}

export type PlannedManaged = Required<ManagedSpec>;

export interface PlannedVendor extends Required<VendorSpec> {
  ns: string;
  ip: string;
  /** The appliance's end of the WAN link. */
  applianceWanIp: string;
  /** The repository as hosts' apt sources name it (fetched through the appliance's cache proxy). */
  repoUrl: string;
  feedUrl: string;
  /** The rpm repository (a lab with rpm hosts) and its OSV feed. */
  rpmRepoUrl: string;
  osvFeedUrl: string;
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
  managed?: PlannedManaged;
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
  vendor?: PlannedVendor;
  authorizedKeys: string[];
  /** This lab's files (see LAB_WORK_ROOT). */
  workDir: string;
  /** Where managed hosts' identities are kept across rebuilds (LabSpec.keepIdentity). */
  keepDir?: string;
}

const NAME_RE = /^[a-z0-9]{1,12}$/;
const LABEL_RE = /^[a-z0-9]{1,20}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const labPrefix = (name: string): string => `${NS_PREFIX}${name}-`;

/**
 * Why no new lab may be built under `name`, given the namespaces on this machine: one of that name
 * exists and may be in use (a demo, a test, someone's `up`), so it is not ours to tear down.
 */
export const labNameTaken = (name: string, namespaces: string[]): string | undefined => {
  const taken = namespaces.filter((ns) => ns.startsWith(labPrefix(name)));
  if (!taken.length) return undefined;
  return `lab "${name}" already exists (${taken.length} namespace${taken.length > 1 ? 's' : ''}: ${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ', ...' : ''}) and may be in use; remove it first with \`npm run lab -- down --name ${name}\`, or choose another name`;
};

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

const RESERVED_LABELS = ['br', 'app', 'vendor'];

export const labWorkDir = (name: string): string => `${LAB_WORK_ROOT}/${name}`;

/** What outlives a lab of this name (kept host identities, the demo's settings): not on a tmpfs. */
export const LAB_KEEP_ROOT = '/var/lib/patch-depot-lab';
export const labKeepDir = (name: string): string => `${LAB_KEEP_ROOT}/${name}`;

const planManaged = (label: string, m: ManagedSpec | true): PlannedManaged => {
  const spec = m === true ? {} : m;
  const lockSeconds = spec.lockSeconds ?? 0;
  if (!Number.isFinite(lockSeconds) || lockSeconds < 0 || lockSeconds > 3600)
    throw new Error(`host ${label}: lockSeconds ${lockSeconds}: 0-3600`);
  return {
    failPostinst: spec.failPostinst ?? false,
    lockSeconds,
    needsReboot: spec.needsReboot ?? false,
    asleep: spec.asleep ?? false,
    rpm: spec.rpm ?? false,
  };
};

const planVendor = (prefix: string, octet: number, v: VendorSpec): PlannedVendor => {
  const p = {
    rateKbit: v.rateKbit ?? 50_000,
    lossPercent: v.lossPercent ?? 0,
    latencyMs: v.latencyMs ?? 0,
    payloadBytes: v.payloadBytes ?? 65_536,
    port: v.port ?? 80,
  };
  const check = (what: string, n: number, min: number, max: number): void => {
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`vendor ${what} ${n}: ${min}-${max}`);
  };
  check('rateKbit', p.rateKbit, 64, 10_000_000);
  check('lossPercent', p.lossPercent, 0, 99);
  check('latencyMs', p.latencyMs, 0, 60_000);
  check('payloadBytes', p.payloadBytes, 0, 256 << 20);
  check('port', p.port, 1, 65535);
  const base = `${WAN_RANGE_PREFIX}.${octet}`;
  const origin = `http://${base}.2${p.port === 80 ? '' : `:${p.port}`}`;
  return {
    ...p,
    ns: `${prefix}vendor`,
    ip: `${base}.2`,
    applianceWanIp: `${base}.1`,
    repoUrl: `${origin}/debian`,
    feedUrl: `${origin}/tracker.json`,
    rpmRepoUrl: `${origin}/rpm`,
    osvFeedUrl: `${origin}/osv.json`,
  };
};

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
    if (labels.has(label) || RESERVED_LABELS.includes(label))
      throw new Error(`host label "${label}" is used twice or reserved (br, app, vendor)`);
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
      ...(h.managed ? { managed: planManaged(label, h.managed) } : {}),
    };
  });
  const vendor =
    spec.vendor || hosts.some((h) => h.managed) ? planVendor(prefix, octet, spec.vendor ?? {}) : undefined;
  return {
    name: spec.name,
    subnet: `${addr(0)}/${prefixLength}`,
    prefixLength,
    bridgeNs: `${prefix}br`,
    applianceNs: `${prefix}app`,
    applianceIp: addr(1),
    applianceMac: deterministicMac(octet, 0),
    hosts,
    ...(vendor ? { vendor } : {}),
    authorizedKeys: spec.authorizedKeys ?? [],
    workDir: labWorkDir(spec.name),
    ...(spec.keepIdentity ? { keepDir: labKeepDir(spec.name) } : {}),
  };
};
