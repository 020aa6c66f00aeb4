/**
 * A device-class and OS guess from what a scan saw, with the evidence listed so a technician can
 * judge it. Each clue adds weight to a class; the heaviest wins, ties and no clues give "unknown".
 */
import type { MdnsService } from './ports.js';

export const DEVICE_CLASSES = [
  'workstation',
  'server',
  'printer',
  'phone',
  'network',
  'iot',
  'unknown',
] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

export interface Classification {
  deviceClass: DeviceClass;
  os: string | null;
  model: string | null;
  evidence: string[];
}

export interface ClassifyInput {
  vendor: string | null;
  openPorts: number[];
  services: MdnsService[];
  hostnames: string[];
  banners: Record<string, string>;
}

type Scored = Exclude<DeviceClass, 'unknown'>;

const PORT_CLUES: Array<[number, Scored, number, string]> = [
  [9100, 'printer', 3, 'raw printing'],
  [631, 'printer', 2, 'IPP'],
  [515, 'printer', 3, 'LPD'],
  [3389, 'workstation', 3, 'remote desktop'],
  [139, 'workstation', 1, 'NetBIOS'],
  [445, 'workstation', 1, 'SMB'],
  [5900, 'workstation', 1, 'VNC'],
  [22, 'server', 2, 'SSH'],
  [443, 'server', 1, 'HTTPS'],
  [62078, 'phone', 4, 'Apple device sync'],
  [8009, 'iot', 3, 'Cast'],
  [1883, 'iot', 2, 'MQTT'],
  [554, 'iot', 2, 'RTSP camera stream'],
  [23, 'network', 2, 'telnet console'],
];

const SERVICE_CLUES: Record<string, [Scored, number]> = {
  ipp: ['printer', 4],
  ipps: ['printer', 4],
  printer: ['printer', 4],
  'pdl-datastream': ['printer', 4],
  scanner: ['printer', 2],
  uscan: ['printer', 2],
  workstation: ['workstation', 3],
  smb: ['workstation', 1],
  afpovertcp: ['workstation', 2],
  rfb: ['workstation', 1],
  'companion-link': ['phone', 2],
  ssh: ['server', 2],
  'sftp-ssh': ['server', 2],
  nfs: ['server', 2],
  googlecast: ['iot', 4],
  airplay: ['iot', 2],
  raop: ['iot', 2],
  'spotify-connect': ['iot', 3],
  hap: ['iot', 4],
  homekit: ['iot', 4],
  mqtt: ['iot', 2],
  sonos: ['iot', 4],
};

const VENDOR_CLUES: Array<[RegExp, Scored, number]> = [
  [/brother|hewlett|\bhp\b|canon|epson|xerox|lexmark|kyocera|ricoh|konica|zebra/i, 'printer', 3],
  [
    /cisco|ubiquiti|mikrotik|routerboard|netgear|tp-link|juniper|aruba|zyxel|fortinet|d-link|meraki|draytek/i,
    'network',
    4,
  ],
  [
    /espressif|tuya|shelly|sonos|signify|philips lighting|hikvision|dahua|amazon|google|roku|nest labs|ring/i,
    'iot',
    3,
  ],
  [/samsung electronics|xiaomi|oneplus|huawei|oppo|vivo mobile|motorola mobility/i, 'phone', 2],
  [/supermicro|vmware|hewlett packard enterprise|synology|qnap/i, 'server', 3],
  [/intel corporate|lenovo|dell|asustek|micro-star|gigabyte|liteon|azurewave|hon hai/i, 'workstation', 2],
  [/apple/i, 'workstation', 1],
];

const HOSTNAME_CLUES: Array<[RegExp, Scored, number]> = [
  [/iphone|android|galaxy|pixel|-phone/i, 'phone', 3],
  [/printer|\bprn|mfp|laserjet|officejet|brother/i, 'printer', 3],
  [/desktop|laptop|\bpc\d*|macbook|imac|workstation/i, 'workstation', 3],
  [/\bsrv|server|nas|\bdc\d*\b/i, 'server', 2],
  [/switch|router|\bap\d*\b|gateway|firewall/i, 'network', 3],
  [/\btv\b|-tv|chromecast|speaker|cam|thermostat|plug/i, 'iot', 2],
];

const osFrom = (input: ClassifyInput, evidence: string[]): string | null => {
  const banners = Object.values(input.banners).join(' ');
  const distro = /(debian|ubuntu|raspbian|centos|red hat|fedora|freebsd|alpine)/i.exec(banners)?.[1];
  if (distro) {
    evidence.push(`banner names ${distro}`);
    return distro[0]!.toUpperCase() + distro.slice(1).toLowerCase();
  }
  if (/openssh/i.test(banners)) return 'Linux/Unix';
  if (input.openPorts.includes(3389) || (input.openPorts.includes(135) && input.openPorts.includes(445))) {
    evidence.push('RDP/SMB ports suggest Windows');
    return 'Windows';
  }
  if (/microsoft-iis/i.test(banners)) return 'Windows';
  const model = input.services.find((s) => s.type === 'device-info')?.txt.model;
  if (model && /mac|imac/i.test(model)) return 'macOS';
  if (input.openPorts.includes(62078)) return 'iOS';
  return null;
};

export const classify = (input: ClassifyInput): Classification => {
  const scores = new Map<Scored, number>();
  const evidence: string[] = [];
  const add = (cls: Scored, weight: number, why: string): void => {
    scores.set(cls, (scores.get(cls) ?? 0) + weight);
    evidence.push(`${why} → ${cls}`);
  };
  for (const [port, cls, w, what] of PORT_CLUES) {
    if (input.openPorts.includes(port)) add(cls, w, `port ${port} open (${what})`);
  }
  for (const s of input.services) {
    const clue = SERVICE_CLUES[s.type];
    if (clue) add(clue[0], clue[1], `mDNS _${s.type}._${s.protocol}`);
  }
  if (input.vendor) {
    const clue = VENDOR_CLUES.find(([re]) => re.test(input.vendor!));
    if (clue) add(clue[1], clue[2], `vendor ${input.vendor}`);
  }
  for (const name of input.hostnames) {
    const clue = HOSTNAME_CLUES.find(([re]) => re.test(name));
    if (clue) {
      add(clue[1], clue[2], `hostname ${name}`);
      break;
    }
  }
  const banners = Object.values(input.banners).join(' ');
  if (/nginx|apache|openssh|lighttpd|microsoft-iis/i.test(banners) && input.openPorts.includes(22))
    add('server', 1, 'server software in banners');
  if (/routeros|mikrotik|unifi|edgeos/i.test(banners)) add('network', 4, 'network OS in banner');

  const ranked = [...scores].sort((a, b) => b[1] - a[1]);
  const top = ranked[0];
  const tie = top && ranked[1] && ranked[1][1] === top[1];
  const deviceClass: DeviceClass = top && !tie ? top[0] : 'unknown';
  if (tie) evidence.push(`tie between ${top![0]} and ${ranked[1]![0]}`);
  const txt = Object.assign({}, ...input.services.map((s) => s.txt)) as Record<string, string>;
  const model = txt.ty ?? txt.md ?? txt.model ?? txt.product?.replace(/^\(|\)$/g, '') ?? null;
  if (model) evidence.push(`model from mDNS TXT: ${model}`);
  return { deviceClass, os: osFrom(input, evidence), model, evidence };
};
