/**
 * A real HTTP origin on loopback for the cache's integration tests (and the benchmark): serves
 * files with ETag, Range and If-None-Match, counts requests and body bytes, and misbehaves on
 * demand: drops the connection mid-body, stalls at an offset until released, or trickles slowly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OriginFile {
  body: Buffer;
  etag?: string;
  contentType?: string;
}

export class Origin {
  readonly files = new Map<string, OriginFile>();
  readonly requests: Array<{ path: string; headers: IncomingMessage['headers'] }> = [];
  readonly drops = new Map<string, { after: number; times: number }>();
  private readonly stalls = new Map<string, { at: number; gate: Promise<void>; open: () => void }>();
  /** Paths answered without Content-Length (chunked transfer encoding). */
  readonly chunked = new Set<string>();
  /** path -> pause this long between 16 KiB chunks. */
  readonly trickle = new Map<string, number>();
  bytesSent = 0;
  /** Body bytes sent per path (a benchmark's peer may still be fetching another file). */
  readonly sentByPath = new Map<string, number>();
  private server: Server | undefined;
  port = 0;

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  put(path: string, file: OriginFile): string {
    this.files.set(path, file);
    return `${this.base}${path}`;
  }

  stall(path: string, at: number): () => void {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    this.stalls.set(path, { at, gate, open });
    return () => {
      this.stalls.delete(path);
      open();
    };
  }

  private sent(path: string, bytes: number): void {
    this.bytesSent += bytes;
    this.sentByPath.set(path, (this.sentByPath.get(path) ?? 0) + bytes);
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.stalls.values()) s.open();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({ path, headers: req.headers });
    const file = this.files.get(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const headers: Record<string, string> = {
      'content-type': file.contentType ?? 'application/octet-stream',
      'accept-ranges': 'bytes',
    };
    if (file.etag) headers.etag = file.etag;
    if (file.etag && req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === file.etag)) {
      start = Number(range[1]);
      headers['content-range'] = `bytes ${start}-${file.body.length - 1}/${file.body.length}`;
    }
    if (!this.chunked.has(path)) headers['content-length'] = String(file.body.length - start);
    res.writeHead(start ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const drop = this.drops.get(path);
    let dropAt: number | undefined;
    if (drop && drop.times > 0) {
      drop.times--;
      dropAt = drop.after;
    }
    const pause = this.trickle.get(path);
    const chunk = pause ? 16 * 1024 : 256 * 1024;
    let pos = start;
    while (pos < file.body.length) {
      const stall = this.stalls.get(path);
      if (stall && pos >= stall.at) await stall.gate;
      let end = Math.min(file.body.length, pos + chunk);
      if (stall && pos < stall.at) end = Math.min(end, stall.at);
      if (dropAt !== undefined && end >= dropAt) {
        if (dropAt > pos) res.write(file.body.subarray(pos, dropAt));
        this.sent(path, Math.max(0, dropAt - pos));
        await new Promise((r) => setImmediate(r));
        res.destroy();
        return;
      }
      const ok = res.write(file.body.subarray(pos, end));
      this.sent(path, end - pos);
      pos = end;
      if (!ok) await new Promise((r) => res.once('drain', r));
      if (pause) await new Promise((r) => setTimeout(r, pause));
    }
    res.end();
  }
}
