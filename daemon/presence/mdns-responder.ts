/**
 * The appliance's mDNS responder on one link (RFC 6762): it probes for its host name and service
 * instances, takes `<name>-2`, `-3`, ... while they are in use, announces twice, answers queries,
 * defends nothing it lost (a later claim on its name makes it probe for the next one), and says
 * goodbye (TTL 0) when stopped. Only senders on this link's subnet are heard, never our own
 * addresses; a record is multicast at most once a second (probe answers at most every 250 ms),
 * and legacy unicast queries get at most a few answers a second, so no host can make the
 * appliance flood its LAN.
 */
import { type Answer, AUTHORITATIVE_ANSWER, type DecodedPacket, decode, encode } from 'dns-packet';
import { cidrBounds, parseIpv4 } from '../discovery/ipv4.js';
import type { Clock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import {
  type AdvertisedService,
  ANY,
  answerQuestions,
  claimsOurNames,
  hostCandidate,
  loseTieBreak,
  MAX_NAME_NUMBER,
  type Reply,
  recordKey,
  recordSet,
  ttlOf,
  uniqueRecords,
} from './mdns-records.js';
import type { Datagram, Link, MdnsTransport } from './ports.js';

export type ResponderState = 'starting' | 'probing' | 'announced' | 'gave up' | 'stopped';

export interface ResponderOptions {
  link: Link;
  /** The host name to ask for first (without `.local`). */
  baseName: string;
  services: AdvertisedService[];
  transport: MdnsTransport;
  clock: Clock;
  log: Logger;
  /** Any of this machine's addresses: its own packets, looped back or from another link, are not a conflict. */
  isOwnAddress: (address: string) => boolean;
  random?: () => number;
}

const MDNS_PORT = 5353;
const PROBE_INTERVAL_MS = 250;
const ANNOUNCE_INTERVAL_MS = 1000;
/** RFC 6762 §8.1: after 15 conflicts in a row, probe at most every 5 s. */
const MANY_CONFLICTS = 15;
const SLOW_PROBE_MS = 5000;
/** Legacy unicast answers (RFC 6762 §6.7) in one second, in all. */
const UNICAST_PER_SECOND = 20;
const UNICAST_TTL = 10;

export class MdnsResponder {
  state: ResponderState = 'starting';
  /** The host label in use or being probed. */
  name: string;
  /** Datagrams that were not DNS, came from elsewhere, or were ours. */
  readonly ignored = { undecodable: 0, offLink: 0, own: 0 };
  answered = 0;
  private records: Answer[] = [];
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  /** Set when another machine claims a name we probe for or hold. */
  private conflict = false;
  private wake: (() => void) | undefined;
  private readonly lastMulticast = new Map<string, number>();
  private unicastWindow = { start: 0, count: 0 };
  private readonly subnet: { first: number; last: number };

  constructor(private readonly opts: ResponderOptions) {
    this.name = opts.baseName;
    const [net = '', prefix = '32'] = opts.link.cidr.split('/');
    this.subnet = cidrBounds(parseIpv4(net) ?? 0, Number(prefix));
  }

  get hostname(): string {
    return `${this.name}.local`;
  }

  async start(): Promise<void> {
    await this.opts.transport.open((packet, from) => this.onDatagram(packet, from));
    this.running = this.run().catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.opts.log.error('mDNS responder failed', { err });
    });
  }

  /** Say goodbye (when announced), then close the socket. */
  async stop(): Promise<void> {
    const wasAnnounced = this.state === 'announced';
    this.state = 'stopped';
    this.abort.abort(new Error('stopped'));
    this.wake?.();
    await this.running;
    if (wasAnnounced) await this.multicast({ answers: this.goodbye(), additionals: [] });
    await this.opts.transport.close();
  }

  /** Our records with TTL 0: caches drop them at once (RFC 6762 §10.1). */
  private goodbye(): Answer[] {
    return this.records.map((r) => ({ ...r, ttl: 0 }) as Answer);
  }

  private async run(): Promise<void> {
    const { clock } = this.opts;
    const signal = this.abort.signal;
    let conflicts = 0;
    for (let n = 1; n <= MAX_NAME_NUMBER; n++) {
      this.name = hostCandidate(this.opts.baseName, n);
      this.records = recordSet({
        host: this.name,
        address: this.opts.link.address,
        services: this.opts.services,
      });
      this.conflict = false;
      this.state = 'probing';
      if (conflicts >= MANY_CONFLICTS) await clock.sleep(SLOW_PROBE_MS, signal);
      if (!(await this.probe(signal))) {
        conflicts++;
        this.opts.log.info('mDNS name in use on the link; trying the next', { hostname: this.hostname });
        continue;
      }
      conflicts = 0;
      this.state = 'announced';
      this.opts.log.info('announcing on the LAN', {
        name: this.hostname,
        interface: this.opts.link.interface,
        address: this.opts.link.address,
        services: this.opts.services.map((s) => `${s.type}:${s.port}`),
      });
      await this.announce(signal);
      await this.untilConflict(signal);
      this.opts.log.warn('another machine claimed our mDNS name; choosing the next', {
        hostname: this.hostname,
      });
      // Caches drop exactly our records for the old name (same data), not the other machine's.
      await this.multicast({ answers: this.goodbye(), additionals: [] });
    }
    this.state = 'gave up';
    this.opts.log.error('every mDNS name up to -99 is in use; not announcing', {
      base: this.opts.baseName,
      interface: this.opts.link.interface,
    });
  }

  /** Three probes 250 ms apart (the first after 0-250 ms); false when another machine has the names. */
  private async probe(signal: AbortSignal): Promise<boolean> {
    const { clock } = this.opts;
    const unique = uniqueRecords(this.records);
    const names = [...new Set(unique.map((r) => r.name))];
    const packet = encode({
      type: 'query',
      id: 0,
      flags: 0,
      questions: names.map((name) => ({ name, type: ANY, class: 'IN' })),
      authorities: unique,
    });
    await clock.sleep((this.opts.random ?? Math.random)() * PROBE_INTERVAL_MS, signal);
    for (let i = 0; i < 3; i++) {
      if (this.conflict) return false;
      await this.send(packet);
      await clock.sleep(PROBE_INTERVAL_MS, signal);
    }
    return !this.conflict;
  }

  private async announce(signal: AbortSignal): Promise<void> {
    for (let i = 0; i < 2 && !this.conflict; i++) {
      if (i) await this.opts.clock.sleep(ANNOUNCE_INTERVAL_MS, signal);
      await this.multicast({ answers: this.records, additionals: [] });
    }
  }

  private untilConflict(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.conflict) return resolve();
      if (signal.aborted) return reject(signal.reason);
      this.wake = () => {
        this.wake = undefined;
        if (signal.aborted) reject(signal.reason);
        else resolve();
      };
    });
  }

  private onLink(address: string): boolean {
    const n = parseIpv4(address);
    return n !== undefined && n >= this.subnet.first && n <= this.subnet.last;
  }

  private onDatagram(raw: Buffer, from: Datagram): void {
    if (this.state === 'stopped') return;
    if (this.opts.isOwnAddress(from.address)) return void this.ignored.own++;
    if (!this.onLink(from.address)) return void this.ignored.offLink++;
    let packet: DecodedPacket;
    try {
      packet = decode(raw);
    } catch {
      return void this.ignored.undecodable++;
    }
    try {
      if (packet.type === 'response') this.onResponse(packet);
      else this.onQuery(packet, from);
    } catch (err) {
      // A packet dns-packet decoded into something odd must not end the responder.
      this.ignored.undecodable++;
      this.opts.log.debug('mDNS packet not understood', { from: from.address, err });
    }
  }

  private claimed(): void {
    this.conflict = true;
    this.wake?.();
  }

  private onResponse(packet: DecodedPacket): void {
    if (this.state !== 'probing' && this.state !== 'announced') return;
    const theirs = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
    if (claimsOurNames(this.records, theirs)) this.claimed();
  }

  private onQuery(packet: DecodedPacket, from: Datagram): void {
    const authorities = packet.authorities ?? [];
    if (this.state === 'probing') {
      // Someone else probing for the same name at the same time: the later records win.
      if (loseTieBreak(this.opts.link.address, this.name, authorities)) this.claimed();
      return;
    }
    if (this.state !== 'announced') return;
    const reply = answerQuestions(packet.questions ?? [], packet.answers ?? [], this.records);
    if (!reply.answers.length) return;
    if (from.port !== MDNS_PORT) {
      this.unicastReply(packet, reply, from);
      return;
    }
    // A probe for one of our names is answered at once (that is how we defend it), others at most
    // once a second per record.
    const gap = authorities.length ? PROBE_INTERVAL_MS : ANNOUNCE_INTERVAL_MS;
    const now = this.opts.clock.now();
    const answers = reply.answers.filter(
      (r) => now - (this.lastMulticast.get(recordKey(r)) ?? -Infinity) >= gap,
    );
    if (!answers.length) return;
    this.answered++;
    void this.multicast({ answers, additionals: reply.additionals });
  }

  /** A legacy resolver (RFC 6762 §6.7): its id and question back, short TTLs, to its own port. */
  private unicastReply(packet: DecodedPacket, reply: Reply, to: Datagram): void {
    const now = this.opts.clock.now();
    if (now - this.unicastWindow.start >= 1000) this.unicastWindow = { start: now, count: 0 };
    if (++this.unicastWindow.count > UNICAST_PER_SECOND) return;
    const short = (r: Answer): Answer =>
      ({ ...r, flush: false, ttl: Math.min(UNICAST_TTL, ttlOf(r)) }) as Answer;
    this.answered++;
    const bytes = encode({
      type: 'response',
      id: packet.id ?? 0,
      flags: AUTHORITATIVE_ANSWER,
      questions: packet.questions ?? [],
      answers: reply.answers.map(short),
      additionals: reply.additionals.map(short),
    });
    void this.send(bytes, to);
  }

  private async multicast(reply: Reply): Promise<void> {
    const now = this.opts.clock.now();
    for (const r of reply.answers) this.lastMulticast.set(recordKey(r), now);
    const bytes = encode({
      type: 'response',
      id: 0,
      flags: AUTHORITATIVE_ANSWER,
      answers: reply.answers,
      additionals: reply.additionals,
    });
    await this.send(bytes);
  }

  /** A datagram lost (an interface going away, a full buffer) is logged, never fatal: mDNS repeats. */
  private async send(bytes: Buffer, to?: Datagram): Promise<void> {
    try {
      await this.opts.transport.send(bytes, to);
    } catch (err) {
      this.opts.log.debug('mDNS datagram not sent', { interface: this.opts.link.interface, err });
    }
  }
}
