/**
 * The hosts missing one advisory's fix, as the site assessment keeps them: indexes into the
 * site's list of host ids, sorted and unique, in 2 or 4 bytes each. As a Set of id strings they
 * were 4.9 MB of the daemon's heap at 5,000 hosts (some 28 bytes per host per advisory).
 */

/** What the pages and reports read of a host set: its size and its ids. A Set<string> is one. */
export interface HostIds extends Iterable<string> {
  readonly size: number;
}

class PackedHostIds implements HostIds {
  constructor(
    private readonly ids: readonly string[],
    private readonly members: Uint16Array | Uint32Array,
  ) {}

  get size(): number {
    return this.members.length;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (const i of this.members) yield this.ids[i]!;
  }
}

/** `indexes` (into `ids`, in any order, repeats allowed) as a packed set. */
export const packHostIds = (ids: readonly string[], indexes: readonly number[]): HostIds => {
  const members = ids.length <= 0xffff ? Uint16Array.from(indexes) : Uint32Array.from(indexes);
  members.sort();
  let n = 0;
  for (let i = 0; i < members.length; i++)
    if (i === 0 || members[i] !== members[n - 1]) members[n++] = members[i]!;
  return new PackedHostIds(ids, members.slice(0, n));
};
