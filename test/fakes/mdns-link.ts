/**
 * One simulated LAN segment for mDNS: every transport joined to it hears every multicast datagram
 * (its own too, as a looped-back socket does), and a unicast reaches only the member at that
 * address and port. Tests also speak on it as other machines (`say`) and read all that was sent.
 */
import { type DecodedPacket, decode, encode, type Packet } from 'dns-packet';
import type { Datagram, MdnsTransport } from '../../daemon/presence/ports.js';

interface Member {
  address: string;
  port: number;
  onPacket: (packet: Buffer, from: Datagram) => void;
}

export interface Heard {
  from: string;
  /** Undefined for multicast. */
  to: Datagram | undefined;
  packet: DecodedPacket;
}

export class FakeMdnsLink {
  private members: Member[] = [];
  readonly heard: Heard[] = [];

  transport(address: string, port = 5353): MdnsTransport {
    let member: Member | undefined;
    return {
      open: async (onPacket) => {
        member = { address, port, onPacket };
        this.members.push(member);
      },
      send: async (packet, to) => this.deliver(packet, { address, port }, to),
      close: async () => {
        this.members = this.members.filter((m) => m !== member);
      },
    };
  }

  /** Another machine sends `packet` (multicast unless `to`). */
  say(from: Datagram, packet: Packet | Buffer, to?: Datagram): void {
    this.deliver(Buffer.isBuffer(packet) ? packet : encode(packet), from, to);
  }

  private deliver(packet: Buffer, from: Datagram, to?: Datagram): void {
    try {
      this.heard.push({ from: from.address, to, packet: decode(packet) });
    } catch {
      // not DNS: members still get the bytes
    }
    for (const m of this.members) {
      if (to && (m.address !== to.address || m.port !== to.port)) continue;
      queueMicrotask(() => m.onPacket(packet, from));
    }
  }

  /** Multicast responses sent from `address`. */
  responsesFrom(address: string): DecodedPacket[] {
    return this.heard
      .filter((h) => h.from === address && !h.to && h.packet.type === 'response')
      .map((h) => h.packet);
  }

  queriesFrom(address: string): DecodedPacket[] {
    return this.heard.filter((h) => h.from === address && h.packet.type === 'query').map((h) => h.packet);
  }
}
