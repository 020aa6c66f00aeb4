/**
 * The TFTP allow-list when no `tftp.clients` are configured: whoever is inside some discovery
 * scope's include list and outside its exclude list. Scopes are parsed once and parsed again only
 * when they change, not per datagram: the scopes live in the store, which edits them in place
 * (a new scope is pushed, an edit assigns new include/exclude arrays, a delete makes a new list),
 * so comparing those array identities per request is enough to see a change.
 */

import { parseIpv4 } from '../discovery/ipv4.js';
import type { AddressBlock, ScopeTargets } from '../discovery/scope.js';
import { parseBlock } from '../discovery/scope.js';

type Range = Pick<AddressBlock, 'first' | 'last'>;
interface ParsedScope {
  include: Range[];
  exclude: Range[];
}

const within = (n: number, ranges: readonly Range[]): boolean =>
  ranges.some((r) => n >= r.first && n <= r.last);

export class ScopeClients {
  private seen: readonly ScopeTargets[] | undefined;
  /** The include and exclude arrays the parse was made from, in order. */
  private seenArrays: unknown[] = [];
  private parsed: ParsedScope[] = [];

  constructor(
    private readonly scopes: () => readonly ScopeTargets[],
    private readonly parse: (entry: string) => Range = parseBlock,
  ) {}

  /** Inside some scope's include list and outside its exclude list (IPv4, or v4 mapped in v6). */
  readonly allows = (address: string): boolean => {
    const n = parseIpv4(address.startsWith('::ffff:') ? address.slice(7) : address);
    if (n === undefined) return false;
    return this.current().some((s) => within(n, s.include) && !within(n, s.exclude));
  };

  private current(): ParsedScope[] {
    const scopes = this.scopes();
    if (!this.changed(scopes)) return this.parsed;
    this.seen = scopes;
    this.seenArrays = scopes.flatMap((s) => [s.include, s.exclude]);
    this.parsed = scopes.map((s) => ({ include: this.ranges(s.include), exclude: this.ranges(s.exclude) }));
    return this.parsed;
  }

  private changed(scopes: readonly ScopeTargets[]): boolean {
    if (scopes !== this.seen || scopes.length * 2 !== this.seenArrays.length) return true;
    return scopes.some(
      (s, i) => s.include !== this.seenArrays[2 * i] || s.exclude !== this.seenArrays[2 * i + 1],
    );
  }

  /** A bad entry (validated on the way in, so only hand-edited state) matches nothing. */
  private ranges(entries: readonly string[]): Range[] {
    return entries.flatMap((e) => {
      try {
        return [this.parse(e)];
      } catch {
        return [];
      }
    });
  }
}
