/**
 * Wake-on-LAN: the magic packet (6 × 0xFF, then the MAC 16 times, then an optional 4- or 6-byte
 * SecureOn password) over UDP to port 9 at the subnet-directed broadcast of the local interface
 * facing the host, with SO_BROADCAST, sent from that interface's address. Not 255.255.255.255: a
 * limited broadcast follows the default route (or fails without one), a directed one leaves by
 * the interface on the host's subnet. Only to addresses inside a configured scope ("no scope, no
 * probe"); then it waits until the host accepts SSH connections, within a deadline.
 */
import { createSocket } from 'node:dgram';
import { cidrBounds, formatIpv4, parseIpv4 } from '../discovery/ipv4.js';
import type { LocalInterfaces, LocalSubnet } from '../discovery/ports.js';
import { type ScopeTargets, scopeContains } from '../discovery/scope.js';
import type { Clock } from '../lifecycle.js';
import { type Backoff, type PortProbe, waitForPort } from './host-return.js';
import { StepFailure, type WakeSender, type WakeTarget } from './ports.js';

export const WOL_PORT = 9;

const hexBytes = (text: string, what: string, lengths: number[]): Buffer => {
  const hex = text.trim().toLowerCase().replace(/[:-]/g, '');
  if (!/^[0-9a-f]*$/.test(hex) || !lengths.includes(hex.length / 2)) {
    throw new StepFailure(
      'permanent',
      `${what} ${JSON.stringify(text)}: expected ${lengths.join(' or ')} hex bytes (aa:bb:...)`,
    );
  }
  return Buffer.from(hex, 'hex');
};

/** The packet a WoL-capable NIC matches: 102 bytes, or 106/108 with a SecureOn password. */
export const magicPacket = (mac: string, secureOn?: string): Buffer => {
  const addr = hexBytes(mac, 'MAC address', [6]);
  const parts = [Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => addr)];
  if (secureOn !== undefined && secureOn !== '') parts.push(hexBytes(secureOn, 'SecureOn password', [4, 6]));
  return Buffer.concat(parts);
};

/** The attached subnet holding `address` (the narrowest), and its directed broadcast address. */
export const facingSubnet = (
  subnets: LocalSubnet[],
  address: string,
): { subnet: LocalSubnet; broadcast: string } | undefined => {
  const ip = parseIpv4(address);
  if (ip === undefined) return undefined;
  const found = subnets
    .map((subnet) => {
      const [base = '', bits = '32'] = subnet.cidr.split('/');
      const prefix = Number(bits);
      return { subnet, prefix, ...cidrBounds(parseIpv4(base) ?? 0, prefix) };
    })
    .filter((s) => ip >= s.first && ip <= s.last && s.prefix <= 30)
    .sort((a, b) => b.prefix - a.prefix)[0];
  return found && { subnet: found.subnet, broadcast: formatIpv4(found.last) };
};

/** Send one UDP datagram with SO_BROADCAST from `from` (the facing interface's address). */
export type DatagramSender = (packet: Buffer, to: string, port: number, from: string) => Promise<void>;

export const udpBroadcast: DatagramSender = (packet, to, port, from) =>
  new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const fail = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', fail);
    socket.bind({ address: from, port: 0, exclusive: true }, () => {
      socket.setBroadcast(true);
      socket.send(packet, port, to, (err) => {
        socket.close();
        if (err) reject(err);
        else resolve();
      });
    });
  });

export interface WolOptions {
  interfaces: LocalInterfaces;
  /** The configured scopes of management (discovery's); a target outside all of them is refused. */
  scopes: () => ScopeTargets[] | Promise<ScopeTargets[]>;
  send: DatagramSender;
  probe: PortProbe;
  clock: Clock;
  /** How long a woken host has to accept SSH. */
  deadlineMs: number;
  sshPort?: number | undefined;
  backoff?: Backoff | undefined;
  signal?: AbortSignal | undefined;
}

export class WolSender implements WakeSender {
  constructor(private readonly opts: WolOptions) {}

  /** Refused (permanent, nothing sent) outside every scope or with no interface facing the host. */
  async wake(target: WakeTarget): Promise<void> {
    const { opts } = this;
    const packet = magicPacket(target.mac, target.secureOn);
    const scopes = await opts.scopes();
    if (!scopes.some((s) => scopeContains(s, target.address))) {
      throw new StepFailure(
        'permanent',
        `Wake-on-LAN to ${target.address} refused: the address is in no scope of management; add it to a scope on the Discovery page first`,
      );
    }
    const facing = facingSubnet(opts.interfaces.connectedSubnets(), target.address);
    if (!facing) {
      throw new StepFailure(
        'permanent',
        `Wake-on-LAN to ${target.address}: no interface of this appliance is on that subnet, and a magic packet does not cross routers`,
      );
    }
    try {
      await opts.send(packet, facing.broadcast, WOL_PORT, facing.subnet.address);
    } catch (err) {
      throw new StepFailure(
        'transient',
        `Wake-on-LAN to ${facing.broadcast} on ${facing.subnet.interface} failed: ${(err as Error).message}`,
      );
    }
    await waitForPort(opts.probe, target.address, target.port ?? opts.sshPort ?? 22, {
      clock: opts.clock,
      deadlineMs: opts.deadlineMs,
      backoff: opts.backoff,
      signal: opts.signal,
    });
  }
}
