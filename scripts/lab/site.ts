/**
 * Ready-made site layouts: the mixed office the demo and CLI bring up, and plain live hosts for
 * benchmarks.
 */
import type { HostSpec, LabSpec } from './spec.js';

/** A small office: PCs, a server with SSH/HTTP, an mDNS printer and TV, a silent box. */
export const officeHosts = (count: number): HostSpec[] => {
  const fixed: HostSpec[] = [
    {
      kind: 'ports',
      label: 'server',
      tcp: [
        { port: 22, banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' },
        { port: 80, httpServer: 'nginx/1.22.1' },
      ],
    },
    {
      kind: 'mdns',
      label: 'printer',
      // Brother's OUI, so vendor lookup has something real to find.
      mac: '00:1b:a9:00:00:01',
      mdnsHostname: 'brother-hl',
      tcp: [{ port: 9100 }, { port: 631, httpServer: 'CUPS/2.4 IPP/2.1' }],
      services: [
        {
          type: 'ipp',
          name: 'Brother HL-L2350DW',
          port: 631,
          txt: { ty: 'Brother HL-L2350DW series', rp: 'ipp/print' },
        },
        { type: 'pdl-datastream', name: 'Brother HL-L2350DW', port: 9100 },
      ],
    },
    {
      kind: 'mdns',
      label: 'tv',
      mdnsHostname: 'living-room-tv',
      tcp: [{ port: 8009 }],
      services: [
        {
          type: 'googlecast',
          name: 'Living Room TV',
          port: 8009,
          txt: { md: 'Chromecast', fn: 'Living Room TV' },
        },
      ],
    },
    { kind: 'silent', label: 'silent' },
  ];
  const pcs = Math.max(0, count - fixed.length);
  return [
    ...fixed.slice(0, Math.min(count, fixed.length)),
    ...Array.from({ length: pcs }, (_, i): HostSpec => ({ kind: 'ping', label: `pc${i + 1}` })),
  ];
};

export const liveHosts = (count: number): HostSpec[] =>
  Array.from({ length: count }, (): HostSpec => ({ kind: 'ping' }));

export const officeSpec = (name: string, hosts: number): LabSpec => ({ name, hosts: officeHosts(hosts) });

/**
 * A site of managed machines for deployments: two plain pilots, then one of each awkward kind
 * (failing postinst, dpkg lock held for `lockSeconds` after boot, needs a reboot, asleep until a
 * magic packet), then plain servers up to `count`.
 */
export const managedHosts = (count: number, lockSeconds = 120): HostSpec[] => {
  const fixed: HostSpec[] = [
    { kind: 'ping', label: 'pilot1', managed: true },
    { kind: 'ping', label: 'pilot2', managed: true },
    { kind: 'ping', label: 'broken', managed: { failPostinst: true } },
    { kind: 'ping', label: 'locked', managed: { lockSeconds } },
    { kind: 'ping', label: 'kernel', managed: { needsReboot: true } },
    { kind: 'ping', label: 'sleepy', managed: { asleep: true } },
  ];
  const servers = Math.max(0, count - fixed.length);
  return [
    ...fixed.slice(0, Math.min(count, fixed.length)),
    ...Array.from(
      { length: servers },
      (_, i): HostSpec => ({ kind: 'ping', label: `srv${i + 1}`, managed: true }),
    ),
  ];
};

/** `count` plain managed machines (benchmarks: the same fix set to every host). */
export const plainManagedHosts = (count: number): HostSpec[] =>
  Array.from({ length: count }, (_, i): HostSpec => ({ kind: 'ping', label: `m${i + 1}`, managed: true }));
