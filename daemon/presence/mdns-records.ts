/**
 * The appliance's own mDNS/DNS-SD records (RFC 6762, RFC 6763) and how a query is answered from
 * them. Pure: probing, answering, known-answer suppression and conflict checks are tested without
 * a socket. Names compare case-insensitively and without a trailing dot, as DNS names do.
 */
import type { Answer, Question, RecordType } from 'dns-packet';

/** One service the appliance announces on a link. */
export interface AdvertisedService {
  /** DNS-SD type with its protocol, e.g. `_patch-depot._tcp`. */
  type: string;
  port: number;
  /** TXT strings (`key=value`); empty gives the one empty string RFC 6763 §6.1 asks for. */
  txt: string[];
}

export interface RecordSetInput {
  /** Host label without `.local`: `patch-depot`, or `patch-depot-2` after a conflict. */
  host: string;
  /** The appliance's IPv4 address on this link. */
  address: string;
  services: AdvertisedService[];
}

export const SERVICES_META = '_services._dns-sd._udp.local';
/** RFC 6762 §10: 120 s for records that name a host or its address, 75 minutes for the rest. */
export const HOST_TTL = 120;
export const OTHER_TTL = 4500;
/** How many names past the first are tried after conflicts (`patch-depot-2` ... `-99`). */
export const MAX_NAME_NUMBER = 99;

/** QTYPE 255, "any record": dns-packet encodes it, its type declarations leave it out. */
export const ANY = 'ANY' as RecordType;

export const sameName = (a: string, b: string): boolean =>
  a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

/** The n-th name to try: the configured one, then `-2`, `-3`, ... as Avahi and Bonjour do. */
export const hostCandidate = (base: string, n: number): string => (n <= 1 ? base : `${base}-${n}`);

/** The DNS-SD instance name: derived from the host name, so a unique host name makes it unique. */
export const instanceName = (host: string): string => `Patch Depot (${host})`;

export const reverseName = (address: string): string =>
  `${address.split('.').reverse().join('.')}.in-addr.arpa`;

export const recordSet = (input: RecordSetInput): Answer[] => {
  const hostFqdn = `${input.host}.local`;
  const records: Answer[] = [
    { name: hostFqdn, type: 'A', class: 'IN', ttl: HOST_TTL, flush: true, data: input.address },
    {
      name: reverseName(input.address),
      type: 'PTR',
      class: 'IN',
      ttl: HOST_TTL,
      flush: true,
      data: hostFqdn,
    },
  ];
  for (const s of input.services) {
    const typeFqdn = `${s.type}.local`;
    const fqdn = `${instanceName(input.host)}.${typeFqdn}`;
    records.push(
      { name: SERVICES_META, type: 'PTR', class: 'IN', ttl: OTHER_TTL, data: typeFqdn },
      { name: typeFqdn, type: 'PTR', class: 'IN', ttl: OTHER_TTL, data: fqdn },
      {
        name: fqdn,
        type: 'SRV',
        class: 'IN',
        ttl: HOST_TTL,
        flush: true,
        data: { priority: 0, weight: 0, port: s.port, target: hostFqdn },
      },
      {
        name: fqdn,
        type: 'TXT',
        class: 'IN',
        ttl: OTHER_TTL,
        flush: true,
        data: s.txt.length ? s.txt : [''],
      },
    );
  }
  return records;
};

/** The records only this machine may hold (RFC 6762 §8: the ones probed and defended). */
export const uniqueRecords = (records: readonly Answer[]): Answer[] =>
  records.filter((r) => r.type === 'A' || r.type === 'SRV' || r.type === 'TXT');

/** Record data in one comparable form: strings lower-cased where they are names, buffers as text. */
const dataKey = (r: Answer): string => {
  const data = (r as { data?: unknown }).data;
  const norm = (v: unknown): unknown => {
    if (Buffer.isBuffer(v)) return v.toString('latin1');
    if (Array.isArray(v)) return v.map(norm);
    if (typeof v === 'string') return r.type === 'TXT' ? v : v.toLowerCase().replace(/\.$/, '');
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.keys(o)
        .sort()
        .map((k) => [k, norm(o[k])]);
    }
    return v;
  };
  return JSON.stringify(norm(r.type === 'TXT' && !Array.isArray(data) ? [data] : data));
};

export const recordKey = (r: Answer): string =>
  `${r.name.toLowerCase().replace(/\.$/, '')}|${r.type}|${dataKey(r)}`;

export const ttlOf = (r: Answer): number => (r as { ttl?: number }).ttl ?? 0;

const matches = (q: Question, r: Answer): boolean =>
  sameName(q.name, r.name) && (q.type === ANY || q.type === r.type);

export interface Reply {
  answers: Answer[];
  additionals: Answer[];
}

/**
 * The answers to `questions` from `records`, minus what the asker already holds with at least half
 * its TTL left (known-answer suppression, RFC 6762 §7.1), and the additional records RFC 6763 §12
 * suggests: a PTR brings its SRV and TXT, an SRV its host's address.
 */
export const answerQuestions = (
  questions: readonly Question[],
  known: readonly Answer[],
  records: readonly Answer[],
): Reply => {
  const held = new Map(known.map((k) => [recordKey(k), ttlOf(k)]));
  const fresh = (r: Answer): boolean => (held.get(recordKey(r)) ?? -1) < ttlOf(r) / 2;
  const answers = records.filter((r) => questions.some((q) => matches(q, r)) && fresh(r));
  const inAnswers = new Set(answers);
  const extra = new Set<Answer>();
  const add = (name: string, types: string[]): void => {
    for (const r of records) if (sameName(r.name, name) && types.includes(r.type)) extra.add(r);
  };
  for (const a of answers) {
    if (a.type === 'PTR' && !sameName(a.name, SERVICES_META)) add(a.data as string, ['SRV', 'TXT']);
  }
  for (const a of [...answers, ...extra]) {
    if (a.type === 'SRV') add(a.data.target, ['A']);
  }
  return { answers, additionals: [...extra].filter((r) => !inAnswers.has(r)) };
};

/**
 * Whether another machine's records claim one of our unique names (our host name, our service
 * instances) with data other than ours (RFC 6762 §9). Goodbyes (TTL 0) claim nothing; the caller
 * has already dropped our own packets, looped back or heard on another of our interfaces.
 */
export const claimsOurNames = (ours: readonly Answer[], theirs: readonly Answer[]): boolean => {
  const unique = uniqueRecords(ours);
  const keys = new Set(unique.map(recordKey));
  return theirs.some(
    (t) =>
      ttlOf(t) > 0 &&
      (t.type === 'A' || t.type === 'SRV' || t.type === 'TXT' || t.type === 'AAAA') &&
      unique.some((u) => sameName(u.name, t.name)) &&
      !keys.has(recordKey(t)),
  );
};

const ipValue = (address: string): number =>
  address.split('.').reduce((n, octet) => n * 256 + (Number(octet) & 255), 0);

/**
 * Simultaneous probes for one name (RFC 6762 §8.2): the records are compared and the
 * lexicographically later set wins. Ours is our A record for the name; theirs the A record in their
 * probe's authority section. True when they win, so we must pick another name.
 */
export const loseTieBreak = (ourAddress: string, host: string, authorities: readonly Answer[]): boolean =>
  authorities.some(
    (a) =>
      a.type === 'A' && sameName(a.name, `${host}.local`) && ipValue(String(a.data)) > ipValue(ourAddress),
  );
