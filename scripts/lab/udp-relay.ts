/**
 * A small UDP relay that duplicates and delays packets, for the lab's TFTP tests: this kernel has
 * no `tc netem`, and nft can drop packets but not copy or hold them. It sits between one client
 * and a TFTP server: the client talks to the relay's port; each client gets its own upstream
 * socket, whose first packet goes to the server's port and whose later packets go to the port the
 * server answered from (the transfer's own port, TID). Every packet either way may be sent twice
 * or held for a random time (which reorders it). It only forwards between the addresses it is
 * given; it probes nothing.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface RelayOptions {
  /** Where the relay listens for the client (port 0: any free one). */
  listen: { address: string; port: number };
  /** The TFTP server's request port. */
  server: { address: string; port: number };
  duplicatePercent: number;
  delayPercent: number;
  maxDelayMs: number;
  /** Packets passed on untouched (e.g. a TFTP option handshake some clients cannot take twice). */
  spare?: (msg: Buffer) => boolean;
  /** Uniform in [0, 1): the dice for duplicates, delays and delay lengths (tests fix it). */
  random?: () => number;
}

export interface RelayStats {
  forwarded: number;
  duplicated: number;
  delayed: number;
}

interface Session {
  upstream: Socket;
  /** The server's transfer port, once it has answered. */
  serverPort: number | undefined;
}

export class UdpRelay {
  readonly stats: RelayStats = { forwarded: 0, duplicated: 0, delayed: 0 };
  private socket: Socket | undefined;
  private readonly sessions = new Map<string, Session>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly o: RelayOptions) {}

  get port(): number {
    return this.socket?.address().port ?? 0;
  }

  async start(): Promise<void> {
    const socket = createSocket('udp4');
    socket.on('error', () => {});
    socket.on('message', (msg, from) => this.fromClient(msg, from));
    await new Promise<void>((resolve) => socket.bind(this.o.listen.port, this.o.listen.address, resolve));
    this.socket = socket;
  }

  private session(from: RemoteInfo): Session {
    const key = `${from.address}:${from.port}`;
    let s = this.sessions.get(key);
    if (!s) {
      const upstream = createSocket('udp4');
      upstream.on('error', () => {});
      const session: Session = { upstream, serverPort: undefined };
      upstream.on('message', (msg, server) => {
        session.serverPort ??= server.port;
        this.impair(msg, () => this.socket?.send(msg, from.port, from.address));
      });
      upstream.bind(0, this.o.listen.address);
      this.sessions.set(key, session);
      s = session;
    }
    return s;
  }

  private fromClient(msg: Buffer, from: RemoteInfo): void {
    const s = this.session(from);
    this.impair(msg, () => s.upstream.send(msg, s.serverPort ?? this.o.server.port, this.o.server.address));
  }

  /** Send now, later, or twice, as the odds say. */
  private impair(msg: Buffer, send: () => void): void {
    this.stats.forwarded++;
    if (this.o.spare?.(msg)) {
      send();
      return;
    }
    const random = this.o.random ?? Math.random;
    const roll = (percent: number) => random() * 100 < percent;
    const copies = roll(this.o.duplicatePercent) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (roll(this.o.delayPercent)) {
        this.stats.delayed++;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          send();
        }, random() * this.o.maxDelayMs);
        this.timers.add(timer);
      } else {
        send();
      }
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const s of this.sessions.values()) s.upstream.close();
    this.sessions.clear();
    await new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
    this.socket = undefined;
  }
}
