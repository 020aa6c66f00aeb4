/**
 * The real upstream: undici with its own connection pool, connect/headers/idle-body timeouts, and
 * optionally a parent cache (another Patch Depot's proxy port) that every request goes through, so
 * caches form a hierarchy: a site fetches from its region's depot, which fetches from the mirror.
 * Redirects are followed here, hop by hop, only within the cache's allow-list (mirrors redirect to
 * their CDN now and then; the CDN must be an allowed upstream too).
 */
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import { AddressGuard } from './address-guard.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './ports.js';
import {
  discardBody,
  type HopCheck,
  redirectRefused,
  requestFollowingRedirects,
} from './undici-redirects.js';
import type { UpstreamAllowList } from './url-policy.js';

export interface UndiciUpstreamOptions {
  connectTimeoutMs: number;
  /** Time to the response headers. */
  headersTimeoutMs: number;
  /** Longest silence between two body chunks before the connection counts as dropped. */
  idleTimeoutMs: number;
  /** A parent cache's proxy URL, e.g. http://depot-hq:3142. */
  parent?: string | undefined;
  userAgent: string;
  /** Every redirect hop must stay under these prefixes. */
  allow: UpstreamAllowList;
  /** Default: one on the system resolver and this machine's interfaces. */
  guard?: AddressGuard | undefined;
}

export class UndiciUpstream implements Upstream {
  private readonly dispatcher: Dispatcher;
  /**
   * Redirect hops to another host connect through this one: its sockets resolve names with the
   * guard's lookup, so the addresses checked are the addresses connected to. Through a parent
   * cache the parent resolves and connects, and every hop goes to it.
   */
  private readonly hopDispatcher: Dispatcher;
  /** A hop that passes the allow-list must still not land on loopback, link-local or our own addresses. */
  private readonly guard: AddressGuard;

  constructor(private readonly opts: UndiciUpstreamOptions) {
    this.guard = opts.guard ?? new AddressGuard();
    const common = {
      connect: { timeout: opts.connectTimeoutMs },
      headersTimeout: opts.headersTimeoutMs,
      bodyTimeout: opts.idleTimeoutMs,
      connections: 16,
    };
    // proxyTunnel false: plain absolute-form requests the parent can cache (a tunnel it could not).
    // No redirect interceptor: redirects are followed by hand (checkHop).
    this.dispatcher = opts.parent
      ? new ProxyAgent({ uri: opts.parent, proxyTunnel: false, ...common })
      : new Agent(common);
    this.hopDispatcher = opts.parent
      ? this.dispatcher
      : new Agent({ ...common, connect: { ...common.connect, lookup: this.guard.lookup } });
  }

  private readonly checkHop: HopCheck = async (hop) => {
    let url: URL;
    try {
      url = this.opts.allow.check(hop.to.href);
    } catch (err) {
      throw redirectRefused(hop, (err as Error).message);
    }
    const why = await this.guard.refusal(hop.start, url);
    if (why) throw redirectRefused(hop, why);
    return url;
  };

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const res = await requestFollowingRedirects(
      req.url,
      {
        method: req.method,
        headers: { 'user-agent': this.opts.userAgent, ...req.headers },
        signal: req.signal,
        dispatcher: this.dispatcher,
      },
      this.checkHop,
      this.hopDispatcher,
    );
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return {
      status: res.statusCode,
      headers,
      body: res.body,
      discard: () => discardBody(res.body),
    };
  }

  async close(): Promise<void> {
    await Promise.all([
      this.dispatcher.destroy(),
      this.hopDispatcher === this.dispatcher ? undefined : this.hopDispatcher.destroy(),
    ]);
  }
}
