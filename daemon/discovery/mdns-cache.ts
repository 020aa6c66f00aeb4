/**
 * What the passive mDNS listener has heard, as a bounded cache of DNS-SD records (RFC 6762/6763):
 * PTR (service types and instances), SRV, TXT and A, each kept until its TTL runs out (capped, so
 * a host cannot pin an entry for days) and dropped at once on a goodbye (TTL 0). At most
 * `maxEntries` records in all: when full, the one heard longest ago goes (a device answering again
 * is heard anew, so a flood of made-up records cannot keep real ones out for long), so a LAN host
 * flooding the link costs a fixed amount of memory and nothing more. Pure: the clock is passed in.
 */
import type { Answer } from 'dns-packet';
import { UNSAFE_TEXT } from '../terminal-text.js';
import type { MdnsRecord } from './ports.js';

export const META_QUERY = '_services._dns-sd._udp.local';
/** No record outlives this, whatever TTL its sender claims (RFC 6762 suggests 75 min for hosts). */
export const MAX_TTL_S = 75 * 60;
export const DEFAULT_MAX_ENTRIES = 4096;
const MAX_NAME = 255;
const MAX_TXT_KEYS = 32;
/**
 * Addresses a service is listed at: its host name's first ones heard. A device has a few; one host
 * name answering for 2,000 addresses under 1,000 services made 2,000,000 records of one full cache.
 */
export const MAX_ADDRESSES_LISTED = 16;

type Kind = 'PTR' | 'SRV' | 'TXT' | 'A';

interface Entry {
  kind: Kind;
  name: string;
  /** PTR: the name pointed at; SRV: `port target`; TXT: JSON of the strings; A: the address. */
  data: string;
  expiresAt: number;
  /** Who sent it (a service whose host has no A record takes its sender's address). */
  from: string;
}

/** What is still unknown: questions that would complete the cache. */
export interface Question {
  name: string;
  type: Kind;
}

const lower = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/**
 * Control characters (C0, DEL, C1: NUL, BEL, ESC...) and the bidirectional controls: no device's
 * name holds them, and shown on a page a direction override makes "\u202egnp.exe" read "exe.png".
 * A name with one is not heard; in TXT text they are dropped, and a key with one is not kept.
 */
const UNSAFE_ALL = new RegExp(UNSAFE_TEXT.source, 'gu');
const safeName = (name: string): string | undefined => (UNSAFE_TEXT.test(name) ? undefined : name);

/** `_ipp._tcp.local` -> ['ipp', 'tcp']; anything else is not a DNS-SD service type. */
export const serviceTypeOf = (name: string): [type: string, protocol: string] | undefined => {
  const m = /^_([a-z0-9-]{1,63})\._(tcp|udp)\.local$/i.exec(name);
  return m ? [m[1]!.toLowerCase(), m[2]!.toLowerCase()] : undefined;
};

/** The instance label of `Office Printer._ipp._tcp.local` (dns-packet escapes dots inside labels). */
const instanceLabel = (instance: string, type: string): string =>
  instance.slice(0, instance.length - type.length - 1).replace(/\\\./g, '.');

const txtOf = (data: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  const list = Array.isArray(data) ? data : [data];
  for (const item of list.slice(0, MAX_TXT_KEYS)) {
    const text = Buffer.isBuffer(item) ? item.toString('utf8') : typeof item === 'string' ? item : '';
    const eq = text.indexOf('=');
    const key = (eq < 0 ? text : text.slice(0, eq)).slice(0, 64);
    if (key && !UNSAFE_TEXT.test(key))
      out[key] = eq < 0 ? '' : text.slice(eq + 1, eq + 257).replace(UNSAFE_ALL, '');
  }
  return out;
};

/** One answer as a cache entry, or undefined for types DNS-SD discovery does not use. */
const entryOf = (a: Answer, from: string, now: number): Entry | undefined => {
  const name = safeName(lower(String(a.name ?? '')));
  if (!name || name.length > MAX_NAME) return undefined;
  const loose = a as { ttl?: unknown; data?: unknown };
  const ttl = Math.min(Math.max(0, Number(loose.ttl) || 0), MAX_TTL_S);
  const expiresAt = now + ttl * 1000;
  const base = { name, expiresAt, from };
  const d = loose.data;
  switch (a.type) {
    case 'PTR':
      return typeof d === 'string' && d.length <= MAX_NAME && safeName(d)
        ? { ...base, kind: 'PTR', data: lower(d) }
        : undefined;
    case 'A':
      return typeof d === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(d)
        ? { ...base, kind: 'A', data: d }
        : undefined;
    case 'SRV': {
      const srv = d as { port?: unknown; target?: unknown } | undefined;
      const port = Number(srv?.port);
      const target = typeof srv?.target === 'string' ? (safeName(lower(srv.target)) ?? '') : '';
      if (!Number.isInteger(port) || port < 0 || port > 65535 || !target || target.length > MAX_NAME)
        return undefined;
      return { ...base, kind: 'SRV', data: `${port} ${target}` };
    }
    case 'TXT':
      return { ...base, kind: 'TXT', data: JSON.stringify(txtOf(d)) };
    default:
      return undefined;
  }
};

export class MdnsCache {
  /** kind|name|data -> entry (a name may hold several PTRs or addresses), oldest heard first. */
  private readonly entries = new Map<string, Entry>();
  /** kind|name -> the keys of its entries, for lookups without a scan. */
  private readonly byName = new Map<string, Set<string>>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  /** Take in a response's answers and additionals; `accept` vets each A record's address. */
  add(answers: readonly Answer[], from: string, now: number, accept: (address: string) => boolean): void {
    for (const a of answers) {
      const e = entryOf(a, from, now);
      if (!e || (e.kind === 'A' && !accept(e.data))) continue;
      const key = `${e.kind}|${e.name}|${e.kind === 'TXT' || e.kind === 'SRV' ? '' : e.data}`;
      this.remove(key); // re-inserted last: the Map stays in the order records were heard
      if (e.expiresAt <= now) continue;
      this.entries.set(key, e);
      const nameKey = `${e.kind}|${e.name}`;
      let keys = this.byName.get(nameKey);
      if (!keys) {
        keys = new Set();
        this.byName.set(nameKey, keys);
      }
      keys.add(key);
      while (this.entries.size > this.maxEntries) this.remove(this.entries.keys().next().value!);
    }
  }

  expire(now: number): void {
    for (const [key, e] of this.entries) if (e.expiresAt <= now) this.remove(key);
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const nameKey = `${e.kind}|${e.name}`;
    const keys = this.byName.get(nameKey);
    keys?.delete(key);
    if (keys?.size === 0) this.byName.delete(nameKey);
  }

  private all(kind: Kind, name?: string): Entry[] {
    if (name === undefined) return [...this.entries.values()].filter((e) => e.kind === kind);
    return this.first(kind, name, Number.POSITIVE_INFINITY);
  }

  /** The first `n` entries of a name, without listing the rest. */
  private first(kind: Kind, name: string, n: number): Entry[] {
    const out: Entry[] = [];
    for (const key of this.byName.get(`${kind}|${name}`) ?? []) {
      if (out.length >= n) break;
      out.push(this.entries.get(key)!);
    }
    return out;
  }

  /** Service types heard (from the meta-query's answers or from instances). */
  types(): string[] {
    const out = new Set<string>();
    for (const e of this.all('PTR')) {
      if (e.name === META_QUERY && serviceTypeOf(e.data)) out.add(e.data);
      else if (serviceTypeOf(e.name)) out.add(e.name);
    }
    return [...out];
  }

  /** Known answers for a PTR question (sent with a query so responders skip them: RFC 6762 §7.1). */
  knownAnswers(name: string, now: number): Answer[] {
    return this.all('PTR', name)
      .filter((e) => e.expiresAt - now > (MAX_TTL_S * 1000) / 8)
      .map((e) => ({
        name: e.name,
        type: 'PTR',
        class: 'IN',
        ttl: Math.floor((e.expiresAt - now) / 1000),
        data: e.data,
      }));
  }

  /** Questions whose answers would complete what is known (at most `max`): SRV/TXT, then A. */
  missing(max = 64): Question[] {
    const out: Question[] = [];
    for (const ptr of this.all('PTR')) {
      if (out.length >= max) break;
      if (!serviceTypeOf(ptr.name)) continue;
      const srv = this.all('SRV', ptr.data)[0];
      if (!srv) out.push({ name: ptr.data, type: 'SRV' });
      if (!this.all('TXT', ptr.data).length) out.push({ name: ptr.data, type: 'TXT' });
      const target = srv?.data.slice(srv.data.indexOf(' ') + 1);
      if (target && !this.all('A', target).length) out.push({ name: target, type: 'A' });
    }
    return out;
  }

  /** Everything known, as the scanner's records: one per (address, service), plus bare host names. */
  records(): MdnsRecord[] {
    const out: MdnsRecord[] = [];
    const withService = new Set<string>();
    for (const ptr of this.all('PTR')) {
      const type = serviceTypeOf(ptr.name);
      const srv = this.all('SRV', ptr.data)[0];
      if (!type || !srv) continue;
      const space = srv.data.indexOf(' ');
      const target = srv.data.slice(space + 1);
      const addresses = this.first('A', target, MAX_ADDRESSES_LISTED).map((a) => a.data);
      const txt = this.all('TXT', ptr.data)[0];
      const service = {
        name: instanceLabel(ptr.data, ptr.name),
        type: type[0],
        protocol: type[1],
        port: Number(srv.data.slice(0, space)),
        txt: txt ? (JSON.parse(txt.data) as Record<string, string>) : {},
      };
      const hostname = target.replace(/\.local$/, '');
      for (const address of addresses.length ? addresses : [srv.from]) {
        out.push({ address, hostname, service });
        withService.add(`${address}|${hostname}`);
      }
    }
    for (const a of this.all('A')) {
      const hostname = a.name.replace(/\.local$/, '');
      if (a.name.endsWith('.local') && !withService.has(`${a.data}|${hostname}`))
        out.push({ address: a.data, hostname, service: undefined });
    }
    return out;
  }
}
