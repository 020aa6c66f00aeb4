/** The listening socket for the web UI and API, as a service with start/stop. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { ConnectionsPerClient } from './client-connections.js';
import type { Logger } from './log.js';

/** A slow-loris client gets this long to send its headers (Node's default is a minute). */
const HEADERS_TIMEOUT_MS = 20_000;
/** How often late headers are looked for: a loris is cut at most this long after its timeout. */
const CHECK_INTERVAL_MS = 5_000;
/** Open connections from one address (a browser opens about six); more are closed at once. */
const MAX_CONNECTIONS_PER_CLIENT = 64;
/** Open connections in all, well under the daemon's file-descriptor limit. */
const MAX_CONNECTIONS = 1024;

/**
 * Why a request target is refused before the app sees it, or undefined. Origin-form (`/path`) is
 * what browsers send; absolute-form is accepted for http(s) URLs only, and never with credentials
 * in it (`http://user:pass@host/`), which the web Request cannot even be built from.
 */
export const badRequestTarget = (target: string | undefined): string | undefined => {
  if (!target) return 'empty request target';
  if (target.startsWith('/')) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'request target is neither a path nor a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'request target is not an http URL';
  if (url.username || url.password) return 'credentials in the request target';
  return undefined;
};

const refuse = (res: ServerResponse, reason: string): void => {
  const body = `bad request: ${reason}\n`;
  res.writeHead(400, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
};

export class HttpServer {
  private server: Server | undefined;
  address: AddressInfo | undefined;

  constructor(
    private readonly opts: {
      host: string;
      port: number;
      fetch: (req: Request, env: unknown) => Response | Promise<Response>;
      log: Logger;
      /** Connection caps (defaults above); tests use small ones. */
      limits?: { maxConnectionsPerClient: number; maxConnections: number; headersTimeoutMs?: number };
    },
  ) {}

  async start(): Promise<void> {
    const app = getRequestListener(this.opts.fetch, { hostname: this.opts.host });
    const headersTimeout = this.opts.limits?.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
    const server = createServer(
      // Node checks for late headers only every connectionsCheckingInterval (30 s by default).
      { headersTimeout, connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, headersTimeout / 4) },
      (req: IncomingMessage, res: ServerResponse) => {
        const problem = badRequestTarget(req.url);
        if (problem) refuse(res, problem);
        else void app(req, res);
      },
    );
    // One LAN host holding hundreds of idle sockets must not use up the daemon's file descriptors.
    const perClient = new ConnectionsPerClient(
      this.opts.limits?.maxConnectionsPerClient ?? MAX_CONNECTIONS_PER_CLIENT,
    );
    server.maxConnections = this.opts.limits?.maxConnections ?? MAX_CONNECTIONS;
    server.on('connection', (socket) => {
      if (!perClient.admit(socket)) socket.destroy();
    });
    server.listen(this.opts.port, this.opts.host);
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
    // Idle keep-alive sockets go now, and again as busy ones finish their response.
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), 250);
    const cut = setTimeout(() => {
      this.opts.log.warn('closing connections still busy after the grace period', { graceMs });
      server.closeAllConnections();
    }, graceMs);
    try {
      await closed;
    } finally {
      clearInterval(sweep);
      clearTimeout(cut);
    }
  }
}
