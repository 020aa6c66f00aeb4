/** The edges of announcing the appliance: the mDNS socket of one link, behind a small port. */

export interface Datagram {
  address: string;
  port: number;
}

/** mDNS on one link: multicast to 224.0.0.251:5353 out of one interface, and what arrives. */
export interface MdnsTransport {
  /** Start receiving; resolves once the socket is bound and has joined the group on the link. */
  open(onPacket: (packet: Buffer, from: Datagram) => void): Promise<void>;
  /** Multicast on the link, or unicast to `to` (a legacy query's own port). */
  send(packet: Buffer, to?: Datagram): Promise<void>;
  close(): Promise<void>;
}

/** One of the appliance's own IPv4 links (an interface address and its subnet). */
export interface Link {
  interface: string;
  address: string;
  /** The connected subnet, e.g. 192.168.1.0/24. */
  cidr: string;
}
