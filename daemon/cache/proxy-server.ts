/**
 * The forward-proxy port apt uses as `Acquire::http::Proxy`: absolute-form GET/HEAD requests for
 * URLs under an allowed upstream are served through the cache; anything else is refused with a
 * message saying why (not an open proxy). CONNECT (HTTPS tunnels) is refused: the cache cannot
 * see, verify or share bytes inside TLS. Origin-form `/cache/<host>/<path>` works too, so hosts can
 * also use the port as a plain mirror.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientAllowList } from '../address-list.js';
import { ConnectionsPerClient } from '../client-connections.js';
import type { Logger } from '../log.js';
import type { CacheService } from './cache-service.js';
import { sendText, serveFromCache } from './node-serve.js';
import { replyAndClose } from './socket-reply.js';

/**
 * What one client may cost. Node's defaults (a minute for headers, five for a request, no idle
 * limit) let a slow-loris or a client that never reads pin sockets and file handles for long.
 */
export interface ProxyLimits {
  /** The request head must arrive within this. */
  headersTimeoutMs: number;
  /** The whole request (GET/HEAD carry no body) must arrive within this. */
  requestTimeoutMs: number;
  /** How often node checks the two timeouts above. */
  checkIntervalMs: number;
  /** A socket with no traffic either way for this long is closed (apt's own timeout is 120 s). */
  idleTimeoutMs: number;
  /** Larger request heads are answered 431. */
  maxHeaderBytes: number;
  /** Headers past this count are ignored (apt sends about six). */
  maxHeadersCount: number;
  /** How long a refused client has to read its answer and close. */
  closeGraceMs: number;
  /** Open connections from one address (apt uses one or two per mirror); more are closed at once. */
  maxConnectionsPerClient: number;
  /** Open connections in all, well under the daemon's file-descriptor limit, so the UI keeps some. */
  maxConnections: number;
}

export const PROXY_LIMITS: ProxyLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 5_000,
  idleTimeoutMs: 120_000,
  maxHeaderBytes: 16 * 1024,
  maxHeadersCount: 64,
  closeGraceMs: 5_000,
  maxConnectionsPerClient: 128,
  maxConnections: 2048,
};

export interface ProxyServerOptions {
  host: string;
  port: number;
  cache: CacheService;
  clients: ClientAllowList;
  log: Logger;
  limits?: Partial<ProxyLimits>;
}

/** `/cache/<host>/<path>` -> `http://<host>/<path>`; undefined when the path is not of that form. */
export const directTarget = (path: string): string | undefined => {
  const m = /^\/cache\/([A-Za-z0-9.-]+(?::\d+)?)(\/.*)$/.exec(path);
  if (!m || m[1] === '-') return undefined;
  return `http://${m[1]}${m[2]}`;
};

const CONNECT_REFUSED =
  'This Patch Depot cache does not tunnel HTTPS (CONNECT): it can only cache and verify plain http:// mirrors. ' +
  'Use an http:// mirror URL, or let apt reach the https mirror directly (Acquire::https::Proxy "DIRECT";).';

const HELP =
  'Patch Depot package cache. Use it as an HTTP proxy for apt (Acquire::http::Proxy "http://THIS-HOST:PORT/";) ' +
  'or fetch http://THIS-HOST:PORT/cache/<mirror-host>/<path>.';

/**
 * `GET /` on the port, as apt-cacher-ng answers it: `406 Usage Information`. Debian's
 * auto-apt-proxy recognises an apt-cacher-ng on port 3142 (of the host `apt-proxy`, localhost or
 * the gateway) by exactly that status line, and then hands its URL to apt as the proxy.
 */
const sendUsage = (res: ServerResponse): void => {
  res.statusMessage = 'Usage Information';
  sendText(res, 406, HELP);
};

export class ProxyServer {
  private server: Server | undefined;
  address: AddressInfo | undefined;

  constructor(private readonly opts: ProxyServerOptions) {}

  /** The port accepts connections (false before start, after stop, or when the socket died). */
  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  async start(): Promise<void> {
    const limits = { ...PROXY_LIMITS, ...this.opts.limits };
    const server = createServer(
      {
        keepAlive: true,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: limits.checkIntervalMs,
        maxHeaderSize: limits.maxHeaderBytes,
      },
      (req, res) => this.onRequest(req, res),
    );
    server.maxHeadersCount = limits.maxHeadersCount;
    server.timeout = limits.idleTimeoutMs;
    server.maxConnections = limits.maxConnections;
    const perClient = new ConnectionsPerClient(limits.maxConnectionsPerClient);
    // Every socket gets an error handler of its own: node's goes away when it hands a socket over
    // (CONNECT), and an unhandled reset there used to take the whole daemon down.
    server.on('connection', (socket: Socket) => {
      socket.on('error', (err: NodeJS.ErrnoException) =>
        this.opts.log.debug('proxy client socket error', { code: err.code, client: socket.remoteAddress }),
      );
      if (!perClient.admit(socket)) socket.destroy();
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      this.onClientError(err, socket, limits.closeGraceMs),
    );
    server.on('connect', (req: IncomingMessage, socket: Duplex) => {
      this.opts.log.info('CONNECT refused', { target: req.url, client: req.socket.remoteAddress });
      replyAndClose(socket, 405, CONNECT_REFUSED, limits.closeGraceMs);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(
                `cache proxy port ${this.opts.port} on ${this.opts.host} is already in use; set cache.proxy.port`,
              )
            : err,
        ),
      );
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    this.opts.log.info('cache proxy listening', { host: this.address.address, port: this.address.port });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const gone = (err: NodeJS.ErrnoException) =>
      this.opts.log.debug('proxy client went away', { code: err.code, url: req.url });
    req.on('error', gone);
    res.on('error', gone);
    this.handle(req, res).catch((err: unknown) => {
      this.opts.log.error('proxy request failed', { err, url: req.url });
      if (!res.headersSent) sendText(res, 500, 'cache error: see the appliance log');
      else res.destroy();
    });
  }

  /** A request node could not parse or that came too slowly: say why and close, as node would. */
  private onClientError(err: NodeJS.ErrnoException, socket: Duplex, graceMs: number): void {
    // A response already on the wire must not be corrupted by a second status line.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, text] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request headers too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request took too long to arrive']
          : [400, `malformed HTTP request (${err.code ?? 'parse error'}). ${HELP}`];
    replyAndClose(socket, status, text, graceMs);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.opts.clients.allows(req.socket.remoteAddress)) {
      sendText(res, 403, `${req.socket.remoteAddress} may not use this cache (cache.clients)`);
      return;
    }
    const raw = req.url ?? '/';
    let target: string | undefined;
    if (/^https?:\/\//i.test(raw)) target = raw;
    else target = directTarget(raw.split('?')[0] ?? raw);
    if (!target) {
      if (raw === '/') sendUsage(res);
      else sendText(res, 400, HELP);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, `${req.method} is not supported: the cache only answers GET and HEAD`, {
        allow: 'GET, HEAD',
      });
      return;
    }
    await serveFromCache(req, res, this.opts.cache, target, this.opts.log);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // Downloads are aborted by the cache service; long transfers of cached files are cut.
      setTimeout(() => server.closeAllConnections(), 2000).unref();
    });
  }
}
