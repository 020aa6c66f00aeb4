/**
 * The one way a feed becomes packed columns (packed-feed.ts): a builder that takes advisories and
 * fixes one at a time and writes them straight into growing integer columns over one string table
 * of UTF-8 bytes. pack-feed.ts feeds it parsed advisories; the Debian tracker parser feeds it
 * while it walks the tracker, so its 360,000 fixes never exist as objects.
 *
 * Fixes may come in any order (the tracker lists a CVE under each of its packages): each names its
 * advisory, and finish() sorts them by advisory, keeping their order within one.
 */
import type { Advisory, Fix, Severity } from './model.js';
import { severities } from './model.js';
import {
  ADVISORY_FIELDS,
  type FeedExtra,
  FIX_FIELDS,
  GROUP_FIELDS,
  NONE,
  PackedFeed,
} from './packed-feed.js';
import { ShardedMap } from './sharded-map.js';

/** An Int32Array that grows as it is written. */
class IntColumn {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(capacity);
  }
  /** Room for `n` more; returns where they go. */
  reserve(n: number): number {
    const at = this.length;
    if (at + n > this.data.length) {
      const grown = new Int32Array(Math.max(at + n, this.data.length * 2));
      grown.set(this.data.subarray(0, at));
      this.data = grown;
    }
    this.length = at + n;
    return at;
  }
  push(v: number): void {
    const at = this.reserve(1); // first: reserve() may replace `data`
    this.data[at] = v;
  }
  /** The written part, in a buffer of its own length (the spare room goes). */
  done(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Strings written as UTF-8 as they come: a table of bytes and offsets, never a list of strings. */
class StringTable {
  private bytes = Buffer.allocUnsafeSlow(1 << 20);
  private used = 0;
  private readonly offsets = new IntColumn(1 << 14);
  private readonly ids = new ShardedMap<string, number>();
  private readonly lastString: (string | undefined)[] = [];
  private readonly lastId: number[] = [];

  constructor() {
    this.offsets.push(0);
  }

  get count(): number {
    return this.offsets.length - 1;
  }

  /** A string not worth looking up (an advisory's id or summary: nearly all unique). */
  add(s: string): number {
    if (this.used + s.length * 3 > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.used + s.length * 3, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(s, this.used);
    this.offsets.push(this.used);
    return this.count - 1;
  }

  find(s: string): number | undefined {
    return this.ids.get(s);
  }

  id(s: string | undefined): number {
    if (s === undefined) return NONE;
    let n = this.ids.get(s);
    if (n === undefined) {
      n = this.add(s);
      this.ids.set(s, n);
    }
    return n;
  }

  /**
   * id(), remembering the last string of each `column`: a feed repeats the same release, package
   * and ecosystem from one fix to the next, and the same string needs no hashing.
   */
  idIn(column: number, s: string | undefined): number {
    if (s === undefined) return NONE;
    if (this.lastString[column] === s) return this.lastId[column]!;
    const n = this.id(s);
    this.lastString[column] = s;
    this.lastId[column] = n;
    return n;
  }

  done(): { stringOffsets: Uint32Array; stringBytes: Buffer } {
    const o = this.offsets.done();
    const stringBytes = Buffer.allocUnsafeSlow(this.used);
    this.bytes.copy(stringBytes, 0, 0, this.used);
    return { stringOffsets: new Uint32Array(o.buffer, o.byteOffset, o.length), stringBytes };
  }
}

const severityNumbers = new Map<string | undefined, number>(severities.map((s, i) => [s, i]));
const severityNumber = (s: Severity | undefined): number => severityNumbers.get(s) ?? NONE;

/** An advisory as the packer takes it: its fixes come apart, through fix(). */
export type AdvisoryFields = Omit<Advisory, 'fixes'>;

/** Fix numbers by (release, kind, package), firmware left out: the index matches devices apart. */
const groupColumns = (fixes: Int32Array, firmware: number) => {
  // release * 2 + kind -> package -> fix numbers: small integer keys all the way.
  const byRelease = new Map<number, ShardedMap<number, number[]>>();
  let grouped = 0;
  let count = 0;
  for (let f = 0, at = 0; at < fixes.length; f++, at += FIX_FIELDS) {
    if (fixes[at] === firmware) continue;
    const key = fixes[at + 1]! * 2 + fixes[at + 3]!;
    let byPackage = byRelease.get(key);
    if (!byPackage) {
      byPackage = new ShardedMap();
      byRelease.set(key, byPackage);
    }
    const list = byPackage.get(fixes[at + 2]!);
    if (list) list.push(f);
    else {
      byPackage.set(fixes[at + 2]!, [f]);
      count++;
    }
    grouped++;
  }
  const order = new Int32Array(grouped);
  const groups = new Int32Array(count * GROUP_FIELDS);
  let next = 0;
  let g = 0;
  for (const [key, byPackage] of byRelease)
    for (const [pkg, list] of byPackage.entries()) {
      groups[g] = key >> 1;
      groups[g + 1] = key & 1;
      groups[g + 2] = pkg;
      groups[g + 3] = next;
      groups[g + 4] = next + list.length;
      g += GROUP_FIELDS;
      for (const f of list) order[next++] = f;
    }
  return { order, groups };
};

/**
 * The fixes in advisory order (a stable counting sort by advisory), and where each advisory's
 * fixes start. Fixes already in order are taken as they are.
 */
const byAdvisory = (fixes: IntColumn, owner: IntColumn, advisories: number, ordered: boolean) => {
  const n = owner.length;
  const fixStart = new Int32Array(advisories + 1);
  for (let f = 0; f < n; f++) fixStart[owner.data[f]! + 1]!++;
  for (let a = 0; a < advisories; a++) fixStart[a + 1]! += fixStart[a]!;
  if (ordered) return { fixStart, fixes: fixes.done() };
  const sorted = new Int32Array(n * FIX_FIELDS);
  const next = fixStart.slice(0, advisories);
  const from = fixes.data;
  for (let f = 0; f < n; f++) {
    const to = next[owner.data[f]!]!++ * FIX_FIELDS;
    sorted.set(from.subarray(f * FIX_FIELDS, (f + 1) * FIX_FIELDS), to);
  }
  return { fixStart, fixes: sorted };
};

export class FeedPacker {
  private readonly s = new StringTable();
  private readonly advisories = new IntColumn(ADVISORY_FIELDS * 1024);
  private readonly cves = new IntColumn(1024);
  private readonly fixes = new IntColumn(FIX_FIELDS * 4096);
  /** Fix number -> its advisory, until finish() sorts them. */
  private readonly owner = new IntColumn(4096);
  private ordered = true;
  /** The URL prefix (before the id) seen last: a feed has one or two. */
  private urlPrefix = '\0';
  private readonly empty = this.s.id('');

  /** Number of advisories so far. */
  get count(): number {
    return this.advisories.length / ADVISORY_FIELDS;
  }

  /** Adds an advisory (without fixes) and returns its number. */
  advisory(a: AdvisoryFields): number {
    const s = this.s;
    const at = this.advisories.reserve(ADVISORY_FIELDS);
    const cells = this.advisories.data;
    const ownCve = a.cves.length === 1 && a.cves[0] === a.id;
    cells[at] = s.add(a.id);
    cells[at + 1] = a.summary === '' ? this.empty : s.add(a.summary);
    cells[at + 2] = severityNumber(a.severity);
    cells[at + 3] = s.id(a.published);
    this.writeUrl(a.id, a.url, at + 4);
    cells[at + 6] = ownCve ? NONE : this.cves.length;
    if (!ownCve) for (const cve of a.cves) this.cves.push(s.id(cve));
    cells[at + 7] = ownCve ? NONE : this.cves.length;
    return at / ADVISORY_FIELDS;
  }

  /**
   * A URL that is a prefix plus the advisory's id (every tracker URL) keeps only the prefix, at
   * `at`; any other at `at + 1`. The last prefix is tried first.
   */
  private writeUrl(id: string, url: string | undefined, at: number): void {
    const cells = this.advisories.data;
    cells[at] = NONE;
    cells[at + 1] = NONE;
    if (url === undefined) return;
    const prefix = this.urlPrefix;
    if (url.length === prefix.length + id.length && url.startsWith(prefix) && url.endsWith(id))
      cells[at] = this.s.id(prefix);
    else if (url.endsWith(id) && url.length > id.length) {
      this.urlPrefix = url.slice(0, -id.length);
      cells[at] = this.s.id(this.urlPrefix);
    } else cells[at + 1] = this.s.id(url);
  }

  /** Adds a fix of advisory `advisory` (a number advisory() gave). */
  fix(advisory: number, x: Fix): void {
    const s = this.s;
    const at = this.fixes.reserve(FIX_FIELDS);
    const f = this.fixes.data;
    f[at] = s.idIn(0, x.ecosystem);
    f[at + 1] = s.idIn(1, x.release);
    f[at + 2] = s.idIn(2, x.package);
    f[at + 3] = x.packageKind === 'source' ? 0 : 1;
    f[at + 4] = s.idIn(4, x.fixedVersion);
    f[at + 5] = s.idIn(5, x.introduced);
    f[at + 6] = s.idIn(6, x.source);
    f[at + 7] = severityNumber(x.severity);
    const owners = this.owner;
    if (owners.length > 0 && owners.data[owners.length - 1]! > advisory) this.ordered = false;
    owners.push(advisory);
  }

  severity(advisory: number): Severity {
    return severities[this.advisories.data[advisory * ADVISORY_FIELDS + 2]!]!;
  }

  setSeverity(advisory: number, severity: Severity): void {
    this.advisories.data[advisory * ADVISORY_FIELDS + 2] = severityNumber(severity);
  }

  hasSummary(advisory: number): boolean {
    return this.advisories.data[advisory * ADVISORY_FIELDS + 1] !== this.empty;
  }

  setSummary(advisory: number, summary: string): void {
    this.advisories.data[advisory * ADVISORY_FIELDS + 1] = summary === '' ? this.empty : this.s.add(summary);
  }

  /** The packed feed. The packer is spent: its columns now belong to the feed. */
  finish(extra: FeedExtra): PackedFeed {
    const { fixStart, fixes } = byAdvisory(this.fixes, this.owner, this.count, this.ordered);
    const firmware = this.s.find('firmware') ?? NONE - 1;
    const { order, groups } = groupColumns(fixes, firmware);
    const advisories = this.advisories.done();
    return new PackedFeed(
      { advisories, cves: this.cves.done(), fixStart, fixes, order, groups, ...this.s.done() },
      extra,
    );
  }
}
