/**
 * How site machines find the appliance without configuration: an mDNS responder on each of the
 * appliance's links that lies inside a scope of management, and on no other (the appliance never
 * announces itself on a network it was not told to manage). No scope, no announcement. Scopes and
 * interface addresses are checked again every few seconds, so saving a scope starts announcing
 * and deleting it says goodbye; stopping the daemon says goodbye on every link.
 */

import { cidrBounds, parseIpv4 } from '../discovery/ipv4.js';
import { type Range, rangesOverlap, type ScopeTargets, scopeRanges } from '../discovery/scope.js';
import type { Clock, Service } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Problem } from '../observability/health.js';
import type { AdvertisedService } from './mdns-records.js';
import { MdnsResponder, type ResponderState } from './mdns-responder.js';
import type { Link, MdnsTransport } from './ports.js';

/** A service and the address its listener is bound to (`0.0.0.0` or `::` is every link). */
export interface Offered extends AdvertisedService {
  listenAddress: string;
}

export interface PresenceOptions {
  advertise: boolean;
  hostname: string;
  scopes: () => readonly ScopeTargets[];
  /** The appliance's own IPv4 links (non-loopback). */
  links: () => Link[];
  /** Every address of this machine, loopback included. */
  ownAddresses: () => string[];
  /** What to announce, read after the listeners have started (their real ports). */
  services: () => Offered[];
  transport: (link: Link) => MdnsTransport;
  clock: Clock;
  log: Logger;
  pollMs?: number;
  random?: () => number;
}

export interface LinkStatus extends Link {
  hostname: string;
  state: ResponderState;
  services: string[];
}

export interface PresenceStatus {
  advertise: boolean;
  links: LinkStatus[];
  /** Links inside a scope whose socket could not be opened, with why. */
  failed: Array<Link & { error: string }>;
}

const POLL_MS = 5000;
const EVERY_LINK = new Set(['0.0.0.0', '::', '']);

const linkRange = (link: Link): Range | undefined => {
  const [net = '', prefix = ''] = link.cidr.split('/');
  const base = parseIpv4(net);
  return base === undefined ? undefined : cidrBounds(base, Number(prefix));
};

export class PresenceService implements Service {
  readonly name = 'presence';
  private readonly running = new Map<string, { link: Link; responder: MdnsResponder; services: string[] }>();
  private readonly failed = new Map<string, Link & { error: string }>();
  private own = new Set<string>();
  private abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: PresenceOptions) {}

  async start(): Promise<void> {
    if (!this.opts.advertise) {
      this.opts.log.info('mDNS announcements are off (mdns.advertise is false)');
      return;
    }
    this.abort = new AbortController();
    await this.reconcile();
    this.loop = this.watch(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('stopping'));
    await this.loop;
    this.loop = undefined;
    await Promise.all([...this.running.keys()].map((key) => this.retire(key)));
  }

  status(): PresenceStatus {
    return {
      advertise: this.opts.advertise,
      links: [...this.running.values()].map(({ link, responder, services }) => ({
        ...link,
        hostname: responder.hostname,
        state: responder.state,
        services,
      })),
      failed: [...this.failed.values()],
    };
  }

  health(): Problem[] {
    const problems: Problem[] = [];
    for (const l of this.status().links) {
      if (l.state === 'gave up')
        problems.push({
          source: this.name,
          message: `every mDNS name from ${this.opts.hostname}.local to -99 is taken on ${l.interface}: set mdns.hostname to a free name`,
        });
    }
    for (const f of this.failed.values())
      problems.push({
        source: this.name,
        message: `cannot announce on ${f.interface} (${f.address}): ${f.error}`,
      });
    return problems;
  }

  private async watch(signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await this.opts.clock.sleep(this.opts.pollMs ?? POLL_MS, signal);
      } catch {
        return; // stopping
      }
      await this.reconcile().catch((err: unknown) =>
        this.opts.log.error('mDNS: checking links failed', { err }),
      );
    }
  }

  /** The links to announce on now, keyed by what would make a responder different. */
  private wanted(): Map<string, { link: Link; services: Offered[] }> {
    const ranges = scopeRanges(this.opts.scopes());
    const offered = this.opts.services();
    const out = new Map<string, { link: Link; services: Offered[] }>();
    if (!ranges.length) return out;
    for (const link of this.opts.links()) {
      const r = linkRange(link);
      if (!r || !ranges.some((s) => rangesOverlap(s, r))) continue;
      const services = offered.filter(
        (s) => EVERY_LINK.has(s.listenAddress) || s.listenAddress === link.address,
      );
      if (!services.length) continue;
      const key = [
        link.interface,
        link.address,
        link.cidr,
        ...services.map((s) => `${s.type}:${s.port}`),
      ].join('|');
      out.set(key, { link, services });
    }
    return out;
  }

  async reconcile(): Promise<void> {
    this.own = new Set(this.opts.ownAddresses());
    const wanted = this.wanted();
    for (const key of [...this.running.keys()]) if (!wanted.has(key)) await this.retire(key);
    for (const key of [...this.failed.keys()]) if (!wanted.has(key)) this.failed.delete(key);
    for (const [key, { link, services }] of wanted) {
      if (this.running.has(key) || this.abort.signal.aborted) continue;
      const responder = new MdnsResponder({
        link,
        baseName: this.opts.hostname,
        services,
        transport: this.opts.transport(link),
        clock: this.opts.clock,
        log: this.opts.log,
        isOwnAddress: (a) => this.own.has(a),
        ...(this.opts.random ? { random: this.opts.random } : {}),
      });
      try {
        await responder.start();
      } catch (err) {
        const error = (err as Error).message;
        if (this.failed.get(key)?.error !== error)
          this.opts.log.warn('mDNS: cannot open the link', { ...link, error });
        this.failed.set(key, { ...link, error });
        continue;
      }
      this.failed.delete(key);
      this.running.set(key, { link, responder, services: services.map((s) => `${s.type}:${s.port}`) });
    }
  }

  private async retire(key: string): Promise<void> {
    const entry = this.running.get(key);
    if (!entry) return;
    this.running.delete(key);
    await entry.responder.stop();
    this.opts.log.info('stopped announcing on the link', {
      interface: entry.link.interface,
      address: entry.link.address,
    });
  }
}
