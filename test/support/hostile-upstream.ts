/**
 * A hostile or broken upstream on loopback, for the hardening tests (issue 8). Each path answers in
 * one mode:
 *
 * - `file`: a normal answer with Content-Length; honours `Range: bytes=N-` (and `If-Range` against
 *   the etag / last-modified you give in `headers`). Use it for a redirect target, or a bomb.
 * - `redirect`: `302` (or `status`) with `Location: location`.
 * - `flood`: a chunked body (no Content-Length) that never ends, as fast as the client reads.
 * - `drip`: a chunked body of one byte every `everyMs`, for ever.
 * - `drop-after`: `body` with its Content-Length, but the connection is cut after `after` bytes, for
 *   the first `times` responses (default 1); later ones (and Range requests) are served whole.
 * - `change-between-requests`: the n-th request gets `bodies[n]` and `headers[n]` (the last ones
 *   repeat). With `dropAfter`, every response but the last body's is cut after that many bytes.
 *   Range requests are answered with 206 from the current body (unless If-Range names another
 *   etag / last-modified): a client that resumes blindly splices two files.
 *
 * ```ts
 * const up = await startHostileUpstream(t);                 // 127.0.0.1, port 0, stopped after t
 * const url = up.route('/pool/x.deb', { mode: 'flood' });
 * await waitFor(() => up.closedConnections > 0, 'the flood connection to be closed');
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TestContext } from 'node:test';

export type HostileRoute =
  | { mode: 'file'; body: Buffer; headers?: Record<string, string> }
  | { mode: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  | { mode: 'flood'; chunkBytes?: number }
  | { mode: 'drip'; everyMs: number }
  | { mode: 'drop-after'; body: Buffer; after: number; times?: number; headers?: Record<string, string> }
  | {
      mode: 'change-between-requests';
      bodies: Buffer[];
      dropAfter?: number;
      headers?: Array<Record<string, string>>;
    };

export interface HostileUpstream {
  /** http://host:port */
  readonly base: string;
  /** Serve `path` in `route`'s mode; returns its full URL. */
  route(path: string, route: HostileRoute): string;
  readonly requests: ReadonlyArray<{ path: string; headers: IncomingMessage['headers'] }>;
  /** Body bytes handed to sockets (some may still sit in kernel buffers). */
  readonly bytesSent: number;
  readonly openConnections: number;
  readonly closedConnections: number;
  stop(): Promise<void>;
}

/** Body bytes written, for `bytesSent`. */
interface Counter {
  bytes: number;
}

const write = (res: ServerResponse, data: Buffer, sent: Counter): Promise<void> => {
  sent.bytes += data.length;
  if (res.write(data)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
};

/** `body` with Range/If-Range support; cut after `cutAfter` bytes when given. */
const serveBody = async (
  req: IncomingMessage,
  res: ServerResponse,
  sent: Counter,
  file: { body: Buffer; headers: Record<string, string>; cutAfter?: number | undefined },
): Promise<void> => {
  const { body, headers, cutAfter } = file;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  const partial =
    range !== null &&
    (ifRange === undefined || ifRange === headers.etag || ifRange === headers['last-modified']);
  const start = partial ? Math.min(Number(range[1]), body.length) : 0;
  const out = { ...headers, 'content-length': String(body.length - start) };
  if (partial) {
    res.writeHead(206, { ...out, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  } else res.writeHead(200, out);
  const end = cutAfter === undefined ? body.length : Math.min(body.length, start + cutAfter);
  for (let pos = start; pos < end && !res.destroyed; pos += 64 * 1024) {
    await write(res, body.subarray(pos, Math.min(end, pos + 64 * 1024)), sent);
  }
  if (cutAfter === undefined) res.end();
  else setImmediate(() => res.destroy());
};

/** Answer the `n`-th request (from 0) for a path served in `route`'s mode. */
const answer = async (
  route: HostileRoute,
  n: number,
  req: IncomingMessage,
  res: ServerResponse,
  sent: Counter,
): Promise<void> => {
  switch (route.mode) {
    case 'file':
      return serveBody(req, res, sent, { body: route.body, headers: route.headers ?? {} });
    case 'redirect':
      res.writeHead(route.status ?? 302, { location: route.location, 'content-length': '0' }).end();
      return;
    case 'flood': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(route.chunkBytes ?? 64 * 1024, 0x5a);
      while (!res.destroyed) await write(res, chunk, sent);
      return;
    }
    case 'drip': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const timer = setInterval(() => void write(res, Buffer.from('x'), sent), route.everyMs);
      res.once('close', () => clearInterval(timer));
      return;
    }
    case 'drop-after': {
      const cut = n < (route.times ?? 1) && req.headers.range === undefined;
      const cutAfter = cut ? route.after : undefined;
      return serveBody(req, res, sent, { body: route.body, headers: route.headers ?? {}, cutAfter });
    }
    case 'change-between-requests': {
      const last = route.bodies.length - 1;
      const i = Math.min(n, last);
      const cutAfter = route.dropAfter !== undefined && i < last ? route.dropAfter : undefined;
      const headers = route.headers?.[Math.min(i, route.headers.length - 1)] ?? {};
      return serveBody(req, res, sent, { body: route.bodies[i]!, headers, cutAfter });
    }
  }
};

/** Start one on `host` (any 127.x.y.z works on Linux), stopped when the test ends. */
export const startHostileUpstream = async (t: TestContext, host = '127.0.0.1'): Promise<HostileUpstream> => {
  const routes = new Map<string, HostileRoute>();
  const served = new Map<string, number>();
  const requests: Array<{ path: string; headers: IncomingMessage['headers'] }> = [];
  const sockets = new Set<Socket>();
  const sent: Counter = { bytes: 0 };
  let closed = 0;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers });
    const route = routes.get(path);
    const n = served.get(path) ?? 0;
    served.set(path, n + 1);
    if (!route) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    else answer(route, n, req, res, sent).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      closed++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;
  const stop = (): Promise<void> => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  t.after(stop);
  return {
    base,
    route: (path, route) => {
      routes.set(path, route);
      return `${base}${path}`;
    },
    requests,
    get bytesSent() {
      return sent.bytes;
    },
    get openConnections() {
      return sockets.size;
    },
    get closedConnections() {
      return closed;
    },
    stop,
  };
};
