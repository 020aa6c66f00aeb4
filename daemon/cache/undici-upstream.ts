/**
 * The real upstream: undici with its own connection pool, connect/headers/idle-body timeouts, and
 * optionally a parent cache (another Patch Depot's proxy port) that every request goes through, so
 * caches form a hierarchy: a site fetches from its region's depot, which fetches from the mirror.
 */
import { Agent, type Dispatcher, interceptors, ProxyAgent, request } from 'undici';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './ports.js';

export interface UndiciUpstreamOptions {
  connectTimeoutMs: number;
  /** Time to the response headers. */
  headersTimeoutMs: number;
  /** Longest silence between two body chunks before the connection counts as dropped. */
  idleTimeoutMs: number;
  /** A parent cache's proxy URL, e.g. http://depot-hq:3142. */
  parent?: string | undefined;
  userAgent: string;
}

export class UndiciUpstream implements Upstream {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly opts: UndiciUpstreamOptions) {
    const common = {
      connect: { timeout: opts.connectTimeoutMs },
      headersTimeout: opts.headersTimeoutMs,
      bodyTimeout: opts.idleTimeoutMs,
      connections: 16,
    };
    // proxyTunnel false: plain absolute-form requests the parent can cache (a tunnel it could not).
    const base = opts.parent
      ? new ProxyAgent({ uri: opts.parent, proxyTunnel: false, ...common })
      : new Agent(common);
    // Mirrors redirect to their CDN now and then; the bytes are still verified where hashes are known.
    this.dispatcher = base.compose(interceptors.redirect({ maxRedirections: 3 }));
  }

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const res = await request(req.url, {
      method: req.method,
      headers: { 'user-agent': this.opts.userAgent, ...req.headers },
      signal: req.signal,
      dispatcher: this.dispatcher,
    });
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return {
      status: res.statusCode,
      headers,
      body: res.body,
      discard: () => {
        // destroy() emits an abort error; nobody else listens to this body any more.
        res.body.on('error', () => undefined);
        res.body.destroy();
      },
    };
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }
}
