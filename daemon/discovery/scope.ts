/**
 * The scope of management: which addresses the appliance may probe. Include and exclude lists of
 * addresses, ranges and CIDRs, validated with messages a technician can act on, and a size cap so
 * a typo cannot turn into a sweep of a /8. No scope, no active probe: the scanner only ever sends
 * to addresses `expandScope` returns.
 */
import { DepotError } from '../errors.js';
import { cidrBounds, formatIpv4, parseIpv4 } from './ipv4.js';

export interface AddressBlock {
  first: number;
  last: number;
  /** As the admin wrote it, for messages. */
  text: string;
  /** A CIDR of /30 or wider: its network and broadcast addresses are not hosts. */
  cidrEdges: boolean;
}

/** Parse one entry: `10.0.0.5`, `10.0.0.0/24`, `10.0.0.10-10.0.0.50` or `10.0.0.10-50`. */
export const parseBlock = (raw: string): AddressBlock => {
  const text = raw.trim();
  const bad = (why: string): never => {
    throw new DepotError('BAD_INPUT', `"${text}": ${why}`);
  };
  if (text.includes('/')) {
    const [addr = '', len = ''] = text.split('/');
    const base = parseIpv4(addr);
    if (base === undefined) bad('not an IPv4 address before the /');
    if (!/^\d{1,2}$/.test(len) || Number(len) > 32) bad('the prefix length after / must be 0-32');
    const prefix = Number(len);
    const { first, last } = cidrBounds(base!, prefix);
    if (first !== base) bad(`not a network address; did you mean ${formatIpv4(first)}/${prefix}?`);
    return { first, last, text, cidrEdges: prefix <= 30 };
  }
  if (text.includes('-')) {
    const [a = '', b = ''] = text.split('-').map((s) => s.trim());
    const first = parseIpv4(a);
    if (first === undefined) bad('the start of the range is not an IPv4 address');
    // `10.0.0.10-50` is shorthand for the last octet.
    const last = /^\d{1,3}$/.test(b) ? parseIpv4(`${a.split('.').slice(0, 3).join('.')}.${b}`) : parseIpv4(b);
    if (last === undefined) bad('the end of the range is not an IPv4 address or last octet');
    if (last! < first!) bad('the range ends before it starts');
    return { first: first!, last: last!, text, cidrEdges: false };
  }
  const ip = parseIpv4(text);
  if (ip === undefined) bad('expected an address (10.0.0.5), a range (10.0.0.10-50) or a CIDR (10.0.0.0/24)');
  return { first: ip!, last: ip!, text, cidrEdges: false };
};

/** Split a textarea or flag value on commas, spaces and newlines; drop blanks and # comments. */
export const splitEntries = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join(' ')
    .split(/[\s,]+/)
    .filter(Boolean);

export interface ScopeTargets {
  include: string[];
  exclude: string[];
}

const blockSize = (b: AddressBlock): number => b.last - b.first + 1 - (b.cidrEdges ? 2 : 0);

/** Check entries and the size cap without expanding; returns the number of included addresses. */
export const validateScope = (targets: ScopeTargets, maxAddresses: number): number => {
  if (targets.include.length === 0) throw new DepotError('BAD_INPUT', 'the scope includes no addresses');
  const include = targets.include.map(parseBlock);
  targets.exclude.forEach(parseBlock);
  const size = include.reduce((n, b) => n + blockSize(b), 0);
  if (size > maxAddresses) {
    const big = include.find((b) => blockSize(b) > maxAddresses / 2) ?? include[0]!;
    throw new DepotError(
      'BAD_INPUT',
      `the scope covers ${size.toLocaleString('en')} addresses (largest entry "${big.text}"), above the limit of ${maxAddresses.toLocaleString('en')}; split it into smaller subnets or raise discovery.maxScopeAddresses`,
    );
  }
  return size;
};

/** Every address to probe, ascending, excluded ones removed. The only list the scanner sends to. */
export const expandScope = (targets: ScopeTargets, maxAddresses: number): number[] => {
  validateScope(targets, maxAddresses);
  const exclude = targets.exclude.map(parseBlock);
  const out = new Set<number>();
  for (const block of targets.include.map(parseBlock)) {
    const from = block.cidrEdges ? block.first + 1 : block.first;
    const to = block.cidrEdges ? block.last - 1 : block.last;
    for (let ip = from; ip <= to; ip++) out.add(ip);
  }
  for (const block of exclude) {
    for (const ip of out) if (ip >= block.first && ip <= block.last) out.delete(ip);
  }
  return [...out].sort((a, b) => a - b);
};

/** A membership test over an expanded scope, for filtering passive (mDNS) results. */
export const scopeMembership = (addresses: number[]): ((ip: string) => boolean) => {
  const set = new Set(addresses);
  return (ip) => {
    const n = parseIpv4(ip);
    return n !== undefined && set.has(n);
  };
};

/**
 * Whether `ip` is one of the addresses `expandScope` would give, without expanding (a wake or a
 * deployment checks one address against every scope).
 */
export const scopeContains = (targets: ScopeTargets, ip: string): boolean => {
  const n = parseIpv4(ip);
  if (n === undefined) return false;
  const inside = (b: AddressBlock): boolean =>
    n >= b.first && n <= b.last && !(b.cidrEdges && (n === b.first || n === b.last));
  return (
    targets.include.map(parseBlock).some(inside) &&
    !targets.exclude.map(parseBlock).some((b) => n >= b.first && n <= b.last)
  );
};

/** An inclusive range of IPv4 addresses as numbers. */
export interface Range {
  first: number;
  last: number;
}

export const rangesOverlap = (a: Range, b: Range): boolean => a.first <= b.last && b.first <= a.last;

/** The address ranges scopes include (to find the links facing them); a bad entry matches nothing. */
export const scopeRanges = (scopes: readonly ScopeTargets[]): Range[] =>
  scopes.flatMap((s) =>
    s.include.flatMap((entry) => {
      try {
        return [parseBlock(entry)];
      } catch {
        return []; // validated when saved; a hand-edited bad entry matches nothing
      }
    }),
  );
