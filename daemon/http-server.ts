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

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive browsers would hold the close open; idle ones go now, busy ones after their response.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    });
  }
}
