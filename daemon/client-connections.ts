/**
 * Open connections per client address, on the proxy and the UI ports. Without a cap one LAN host can open
 * sockets until the daemon runs out of file descriptors (20,000 here), and then the UI, the blob
 * files and the state writes fail too: a host that opens 400 idle connections to a daemon limited
 * to 300 descriptors took its /healthz down.
 */
import type { Socket } from 'node:net';

export class ConnectionsPerClient {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Count `socket` against its address until it closes; false (not counted) when at the cap. */
  admit(socket: Socket): boolean {
    const key = socket.remoteAddress ?? '';
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) return false;
    this.open.set(key, count + 1);
    socket.once('close', () => {
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    });
    return true;
  }
}
