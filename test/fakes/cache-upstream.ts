/**
 * An in-memory upstream for the cache's unit tests: serves files with ETag/Range/conditional
 * support, counts requests, and misbehaves on demand (drops mid-body, stalls at an offset until
 * released, refuses connections, serves other bytes than the index promised).
 */
import type { Clock, Upstream, UpstreamRequest, UpstreamResponse } from '../../daemon/cache/ports.js';

export interface FakeFile {
  body: Buffer;
  etag?: string;
  lastModified?: string;
  contentType?: string;
}

export class FakeUpstream implements Upstream {
  readonly files = new Map<string, FakeFile>();
  readonly requests: UpstreamRequest[] = [];
  /** url -> drop the connection after this many body bytes, for the next `times` responses. */
  readonly drops = new Map<string, { after: number; times: number }>();
  /** url -> number of upcoming requests that fail to connect. */
  readonly refuse = new Map<string, number>();
  /** url -> stall the body at this offset until `release()`. */
  private readonly stalls = new Map<string, { at: number; gate: Promise<void>; open: () => void }>();
  /** Bytes sent as bodies. */
  bytesSent = 0;
  chunkSize = 64 * 1024;

  put(url: string, file: FakeFile): void {
    this.files.set(url, file);
  }

  stall(url: string, at: number): () => void {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    this.stalls.set(url, { at, gate, open });
    return open;
  }

  count(url: string): number {
    return this.requests.filter((r) => r.url === url).length;
  }

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    this.requests.push(req);
    const refusals = this.refuse.get(req.url) ?? 0;
    if (refusals > 0) {
      this.refuse.set(req.url, refusals - 1);
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }
    const file = this.files.get(req.url);
    if (!file) return this.reply(404, {}, Buffer.from('not found'), req);
    const headers: Record<string, string> = {
      'content-type': file.contentType ?? 'application/octet-stream',
    };
    if (file.etag) headers.etag = file.etag;
    if (file.lastModified) headers['last-modified'] = file.lastModified;
    const inm = req.headers['if-none-match'];
    if (
      (inm && inm === file.etag) ||
      (!inm && req.headers['if-modified-since'] && req.headers['if-modified-since'] === file.lastModified)
    ) {
      return this.reply(304, headers, Buffer.alloc(0), req);
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === file.etag || ifRange === file.lastModified)) {
      const start = Number(range[1]);
      headers['content-range'] = `bytes ${start}-${file.body.length - 1}/${file.body.length}`;
      headers['content-length'] = String(file.body.length - start);
      return this.reply(206, headers, file.body.subarray(start), req, start);
    }
    headers['content-length'] = String(file.body.length);
    return this.reply(200, headers, file.body, req);
  }

  private reply(
    status: number,
    headers: Record<string, string>,
    body: Buffer,
    req: UpstreamRequest,
    offset = 0,
  ): UpstreamResponse {
    const drop = this.drops.get(req.url);
    let dropAfter: number | undefined;
    if (drop && drop.times > 0 && status < 300) {
      drop.times--;
      dropAfter = drop.after;
    }
    const stall = this.stalls.get(req.url);
    const self = this;
    let discarded = false;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      let sent = 0;
      while (sent < body.length) {
        if (discarded) return;
        if (req.signal.aborted) throw req.signal.reason;
        let n = Math.min(self.chunkSize, body.length - sent);
        if (dropAfter !== undefined) {
          if (sent >= dropAfter)
            throw Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
          n = Math.min(n, dropAfter - sent);
        }
        if (stall && offset + sent < stall.at) n = Math.min(n, stall.at - offset - sent);
        else if (stall && offset + sent >= stall.at) await stall.gate;
        const chunk = body.subarray(sent, sent + n);
        sent += n;
        self.bytesSent += n;
        yield chunk;
        // Let other tasks (joiners) run between chunks, as a real socket would.
        await new Promise((r) => setImmediate(r));
      }
    }
    return {
      status,
      headers,
      body: chunks(),
      discard: () => {
        discarded = true;
      },
    };
  }
}

/** A clock whose sleeps return at once and move time forward. */
export class FakeClock implements Clock {
  constructor(public t = Date.parse('2026-03-02T10:00:00Z')) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.t += ms;
  }
}
