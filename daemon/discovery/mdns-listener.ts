/**
 * Passive mDNS for discovery: listens all the time on each of the appliance's links that faces a
 * scope (and on no other link: never on a network it was not told to scan), caching every DNS-SD
 * answer heard there (mdns-cache.ts: bounded, TTL-expired). It asks on its own as RFC 6762 §5.2
 * says a continuous querier should (at once, then 1 s, 2 s, 4 s ... at most hourly), follows up on
 * service types it learns and on instances whose SRV, TXT or address it lacks, and sends what it
 * already knows with each question so responders skip it (§7.1). A scan then merges what was
 * heard and waits only for the answers to one fresh question (a short quiet spell), not a fixed
 * window; only a link opened less than `windowMs` ago makes it wait for that link's first answers.
 * Senders off the link, our own addresses and undecodable datagrams are ignored and counted.
 */
import { type Answer, type Question as DnsQuestion, decode, encode } from 'dns-packet';
import type { Clock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Datagram, Link, MdnsTransport } from '../presence/ports.js';
import { cidrBounds, parseIpv4 } from './ipv4.js';
import { MdnsCache, META_QUERY, type Question } from './mdns-cache.js';
import { COMMON_TYPES } from './mdns-types.js';
import type { MdnsBrowser, MdnsRecord } from './ports.js';
import { type Range, rangesOverlap } from './scope.js';

export interface MdnsListenerOptions {
  /** The scopes' address ranges; links overlapping none are not listened on. */
  ranges: () => Range[];
  /** The appliance's own IPv4 links. */
  links: () => Link[];
  ownAddresses: () => string[];
  transport: (link: Link) => MdnsTransport;
  clock: Clock;
  log: Logger;
  maxEntries?: number;
  /** How often links and scopes are checked again. */
  pollMs?: number;
  /** A scan's fresh question is answered once the link has been quiet this long. */
  quietMs?: number;
}

const POLL_MS = 5000;
const QUIET_MS = 250;
/** Follow-up questions wait for a burst of answers to settle. */
const FOLLOW_UP_MS = 50;
const FIRST_INTERVAL_MS = 1000;
const MAX_INTERVAL_MS = 60 * 60 * 1000;
/** No link is asked in full more than once a second, however many scans start. */
const MIN_QUERY_GAP_MS = 1000;
const QUESTIONS_PER_PACKET = 32;
const KNOWN_PER_PACKET = 24;

interface OpenLink {
  link: Link;
  range: Range;
  transport: MdnsTransport;
  openedAt: number;
  lastFullQuery: number;
  abort: AbortController;
}

const keyOf = (l: Link): string => `${l.interface}|${l.address}|${l.cidr}`;

const rangeOf = (cidr: string): Range | undefined => {
  const [net = '', prefix = ''] = cidr.split('/');
  const base = parseIpv4(net);
  return base === undefined ? undefined : cidrBounds(base, Number(prefix));
};

const within = (address: string, r: Range): boolean => {
  const n = parseIpv4(address);
  return n !== undefined && n >= r.first && n <= r.last;
};

export class MdnsListener implements MdnsBrowser {
  readonly cache: MdnsCache;
  readonly ignored = { undecodable: 0, offLink: 0, own: 0 };
  heard = 0;
  private readonly open = new Map<string, OpenLink>();
  private own = new Set<string>();
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private lastPacketAt = 0;
  private followUpPending = false;
  private knownTypes = new Set<string>();

  constructor(private readonly opts: MdnsListenerOptions) {
    this.cache = new MdnsCache(opts.maxEntries);
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    await this.reconcile();
    this.loop = this.watch(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('stopping'));
    await this.loop;
    await Promise.all([...this.open.keys()].map((k) => this.close(k)));
  }

  /** The links listened on now. */
  links(): Link[] {
    return [...this.open.values()].map((o) => o.link);
  }

  private async watch(signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await this.opts.clock.sleep(this.opts.pollMs ?? POLL_MS, signal);
      } catch {
        return;
      }
      await this.reconcile().catch((err: unknown) =>
        this.opts.log.error('mDNS listener: checking links failed', { err }),
      );
    }
  }

  async reconcile(): Promise<void> {
    this.own = new Set(this.opts.ownAddresses());
    const ranges = this.opts.ranges();
    const wanted = new Map<string, { link: Link; range: Range }>();
    for (const link of this.opts.links()) {
      const range = rangeOf(link.cidr);
      if (range && ranges.some((r) => rangesOverlap(r, range))) wanted.set(keyOf(link), { link, range });
    }
    for (const key of [...this.open.keys()]) if (!wanted.has(key)) await this.close(key);
    for (const [key, { link, range }] of wanted) {
      if (this.open.has(key) || this.abort.signal.aborted) continue;
      const transport = this.opts.transport(link);
      try {
        await transport.open((raw, from) => this.onDatagram(key, raw, from));
      } catch (err) {
        this.opts.log.warn('mDNS listener: cannot open the link', { ...link, error: (err as Error).message });
        continue;
      }
      const abort = new AbortController();
      const entry: OpenLink = {
        link,
        range,
        transport,
        openedAt: this.opts.clock.now(),
        lastFullQuery: -Infinity,
        abort,
      };
      this.open.set(key, entry);
      this.opts.log.info('listening for mDNS', { interface: link.interface, address: link.address });
      void this.keepAsking(entry, abort.signal);
    }
  }

  private async close(key: string): Promise<void> {
    const entry = this.open.get(key);
    if (!entry) return;
    this.open.delete(key);
    entry.abort.abort(new Error('closed'));
    await entry.transport.close().catch(() => {});
  }

  /** Continuous querying: at once, then at doubling intervals up to an hour. */
  private async keepAsking(entry: OpenLink, signal: AbortSignal): Promise<void> {
    for (
      let interval = FIRST_INTERVAL_MS;
      !signal.aborted;
      interval = Math.min(interval * 2, MAX_INTERVAL_MS)
    ) {
      await this.ask(entry, true);
      try {
        await this.opts.clock.sleep(interval, signal);
      } catch {
        return;
      }
    }
  }

  private onDatagram(key: string, raw: Buffer, from: Datagram): void {
    const entry = this.open.get(key);
    if (!entry) return;
    if (this.own.has(from.address)) return void this.ignored.own++;
    if (!within(from.address, entry.range)) return void this.ignored.offLink++;
    try {
      const packet = decode(raw);
      if (packet.type !== 'response') return;
      const answers = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
      const ranges = this.opts.ranges();
      const accept = (a: string): boolean => within(a, entry.range) && ranges.some((r) => within(a, r));
      this.cache.add(answers, from.address, this.opts.clock.now(), accept);
      this.heard++;
      this.lastPacketAt = this.opts.clock.now();
      this.scheduleFollowUp();
    } catch {
      this.ignored.undecodable++;
    }
  }

  /** New service types and incomplete instances are asked about once the burst of answers settles. */
  private scheduleFollowUp(): void {
    if (this.followUpPending) return;
    this.followUpPending = true;
    void this.opts.clock
      .sleep(FOLLOW_UP_MS, this.abort.signal)
      .then(() => {
        const types = this.cache.types().filter((t) => !this.knownTypes.has(t));
        for (const t of types) this.knownTypes.add(t);
        const fresh = [...types.map((name): Question => ({ name, type: 'PTR' })), ...this.cache.missing()];
        if (fresh.length) for (const entry of this.open.values()) void this.send(entry, fresh, []);
      })
      .catch(() => {})
      .finally(() => {
        this.followUpPending = false;
      });
  }

  /** A full question: every service type (meta-query, common and heard types) and what is missing. */
  private async ask(entry: OpenLink, full: boolean): Promise<void> {
    const now = this.opts.clock.now();
    if (full && now - entry.lastFullQuery < MIN_QUERY_GAP_MS) return;
    if (full) entry.lastFullQuery = now;
    const types = new Set([
      META_QUERY,
      ...COMMON_TYPES.map((t) => `_${t}._tcp.local`),
      ...this.cache.types(),
    ]);
    for (const t of this.cache.types()) this.knownTypes.add(t);
    const questions: Question[] = [
      ...(full ? [...types].map((name): Question => ({ name, type: 'PTR' })) : []),
      ...this.cache.missing(),
    ];
    const known = [...types].flatMap((t) => this.cache.knownAnswers(t, now));
    await this.send(entry, questions, known);
  }

  private async send(entry: OpenLink, questions: Question[], known: Answer[]): Promise<void> {
    for (let i = 0; i < questions.length; i += QUESTIONS_PER_PACKET) {
      const qs: DnsQuestion[] = questions
        .slice(i, i + QUESTIONS_PER_PACKET)
        .map((q) => ({ name: q.name, type: q.type, class: 'IN' }));
      const answers = known.slice((i / QUESTIONS_PER_PACKET) * KNOWN_PER_PACKET).slice(0, KNOWN_PER_PACKET);
      try {
        await entry.transport.send(encode({ type: 'query', id: 0, flags: 0, questions: qs, answers }));
      } catch (err) {
        this.opts.log.debug('mDNS query not sent', { interface: entry.link.interface, err });
      }
    }
  }

  /**
   * What mDNS says now: asks once more on every link, then waits until the links have been quiet
   * for a moment (and each has listened for `windowMs` since it opened), at most `windowMs`.
   */
  async browse(windowMs: number, signal?: AbortSignal): Promise<MdnsRecord[]> {
    const { clock } = this.opts;
    // A scope saved a moment ago may face a link not listened on yet: open it now.
    if (this.loop && !this.abort.signal.aborted) await this.reconcile().catch(() => {});
    const links = [...this.open.values()];
    if (!links.length) return [];
    const asked = clock.now();
    await Promise.all(links.map((l) => this.ask(l, true)));
    const warmAt = Math.max(...links.map((l) => l.openedAt + windowMs));
    const deadline = Math.max(warmAt, asked + windowMs);
    const quiet = this.opts.quietMs ?? QUIET_MS;
    for (;;) {
      const now = clock.now();
      const settledAt = Math.max(asked, this.lastPacketAt) + quiet;
      const until = Math.min(deadline, Math.max(settledAt, warmAt));
      if (now >= until || signal?.aborted) break;
      await clock.sleep(Math.min(until - now, quiet), signal).catch(() => {});
    }
    this.cache.expire(clock.now());
    return this.cache.records();
  }
}
