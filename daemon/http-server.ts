/** The listening socket for the web UI and API, as a service with start/stop. */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { Logger } from './log.js';

export class HttpServer {
  private server: ServerType | undefined;
  address: AddressInfo | undefined;

  constructor(
    private readonly opts: {
      host: string;
      port: number;
      fetch: (req: Request, env: unknown) => Response | Promise<Response>;
      log: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const server = serve({ fetch: this.opts.fetch, hostname: this.opts.host, port: this.opts.port });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(
                `port ${this.opts.port} on ${this.opts.host} is already in use; pick another with --port`,
              )
            : err,
        ),
      );
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    this.opts.log.info('listening', { url: `http://${this.displayHost()}:${this.address.port}/` });
  }

  private displayHost(): string {
    const h = this.address?.address ?? this.opts.host;
    if (h === '0.0.0.0' || h === '::') return 'localhost';
    return h.includes(':') ? `[${h}]` : h;
  }

  /**
   * Stop accepting, let responses in flight finish for up to `graceMs`, then cut what is left
   * (a LAN host pulling a large .deb must not keep the daemon from stopping and flushing its
   * state before systemd's stop timeout).
   */
  async stop(graceMs = 5_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const http = server as Partial<import('node:http').Server>;
    // Idle keep-alive sockets go now, and again as busy ones finish their response.
    http.closeIdleConnections?.();
    const sweep = setInterval(() => http.closeIdleConnections?.(), 250);
    const cut = setTimeout(() => {
      this.opts.log.warn('closing connections still busy after the grace period', { graceMs });
      http.closeAllConnections?.();
    }, graceMs);
    try {
      await closed;
    } finally {
      clearInterval(sweep);
      clearTimeout(cut);
    }
  }
}
