/**
 * The real mDNS socket of one link: UDP 5353 on every address (multicast to the group is not
 * delivered to a socket bound to a unicast address), the group joined on this link's interface
 * only, and multicast sent out of that interface only. Linux still hands such a socket the group's
 * packets from other links where anything joined it (IP_MULTICAST_ALL, which node cannot clear),
 * so the responder checks every sender's address itself.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../log.js';
import type { Datagram, MdnsTransport } from './ports.js';

export const MDNS_GROUP = '224.0.0.251';
export const MDNS_PORT = 5353;

export class UdpMdnsTransport implements MdnsTransport {
  private socket: Socket | undefined;

  constructor(
    /** The appliance's address on the link. */
    private readonly address: string,
    private readonly log: Logger,
    private readonly port = MDNS_PORT,
  ) {}

  async open(onPacket: (packet: Buffer, from: Datagram) => void): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    // Never fatal: a send to a vanished interface or an ICMP error just loses that datagram.
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.log.warn('mDNS socket error', { address: this.address, code: err.code, err }),
    );
    socket.on('message', (msg, rinfo) => onPacket(msg, { address: rinfo.address, port: rinfo.port }));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: this.port, address: '0.0.0.0', exclusive: false }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      socket.addMembership(MDNS_GROUP, this.address);
      socket.setMulticastInterface(this.address);
      socket.setMulticastTTL(255);
      socket.setMulticastLoopback(true);
    } catch (err) {
      socket.close();
      throw err;
    }
    this.socket = socket;
  }

  send(packet: Buffer, to?: Datagram): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    return new Promise((resolve, reject) => {
      socket.send(packet, to?.port ?? this.port, to?.address ?? MDNS_GROUP, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    try {
      socket.dropMembership(MDNS_GROUP, this.address);
    } catch {
      // the interface may be gone already; closing drops the membership anyway
    }
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
