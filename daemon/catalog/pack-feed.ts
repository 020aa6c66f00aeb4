/**
 * A parsed feed's advisories packed into columns (packed-feed.ts): strings that repeat (releases,
 * packages, versions, URL prefixes) once, every fix eight integers, and the fixes grouped by
 * (release, kind, package) for the catalog index.
 */
import type { Advisory, FeedContent } from './model.js';
import { severities } from './model.js';
import { ADVISORY_FIELDS, FIX_FIELDS, GROUP_FIELDS, NONE, PackedFeed } from './packed-feed.js';

class Interner {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** A string not worth looking up (an advisory's id or summary: nearly all unique). */
  add(s: string): number {
    this.strings.push(s);
    return this.strings.length - 1;
  }
  find(s: string): number | undefined {
    return this.ids.get(s);
  }
  private readonly lastString: (string | undefined)[] = [];
  private readonly lastId: number[] = [];
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
  id(s: string | undefined): number {
    if (s === undefined) return NONE;
    let n = this.ids.get(s);
    if (n === undefined) {
      n = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, n);
    }
    return n;
  }
}

/**
 * A URL that is a prefix plus the advisory's id (every tracker URL) keeps only the prefix, at
 * `at`; any other at `at + 1`. The last prefix is tried first: a feed has one or two.
 */
const writeUrl = (
  a: Advisory,
  s: Interner,
  cells: Int32Array,
  at: number,
  last: { prefix: string },
): void => {
  cells[at] = NONE;
  cells[at + 1] = NONE;
  const url = a.url;
  if (url === undefined) return;
  const { prefix } = last;
  if (url.length === prefix.length + a.id.length && url.startsWith(prefix) && url.endsWith(a.id))
    cells[at] = s.id(prefix);
  else if (url.endsWith(a.id) && url.length > a.id.length) {
    last.prefix = url.slice(0, -a.id.length);
    cells[at] = s.id(last.prefix);
  } else cells[at + 1] = s.id(url);
};

const severityNumber = (s: string | undefined): number =>
  s === undefined ? NONE : severities.indexOf(s as (typeof severities)[number]);

/** Advisory and fix columns, written in place: this runs over every fix of every sync. */
const advisoryColumns = (advisories: Advisory[], s: Interner) => {
  let fixCount = 0;
  let cveCount = 0;
  for (const a of advisories) {
    fixCount += a.fixes.length;
    if (!(a.cves.length === 1 && a.cves[0] === a.id)) cveCount += a.cves.length;
  }
  const cells = new Int32Array(advisories.length * ADVISORY_FIELDS);
  const cves = new Int32Array(cveCount);
  const fixStart = new Int32Array(advisories.length + 1);
  const fixes = new Int32Array(fixCount * FIX_FIELDS);
  let c = 0;
  let f = 0;
  const lastUrl = { prefix: '\0' };
  for (let i = 0; i < advisories.length; i++) {
    const a = advisories[i]!;
    const at = i * ADVISORY_FIELDS;
    const ownCve = a.cves.length === 1 && a.cves[0] === a.id;
    cells[at] = s.add(a.id);
    cells[at + 1] = s.add(a.summary);
    cells[at + 2] = severityNumber(a.severity);
    cells[at + 3] = s.id(a.published);
    writeUrl(a, s, cells, at + 4, lastUrl);
    cells[at + 6] = ownCve ? NONE : c;
    if (!ownCve) for (const cve of a.cves) cves[c++] = s.id(cve);
    cells[at + 7] = ownCve ? NONE : c;
    for (const x of a.fixes) {
      fixes[f] = s.idIn(0, x.ecosystem);
      fixes[f + 1] = s.idIn(1, x.release);
      fixes[f + 2] = s.idIn(2, x.package);
      fixes[f + 3] = x.packageKind === 'source' ? 0 : 1;
      fixes[f + 4] = s.idIn(4, x.fixedVersion);
      fixes[f + 5] = s.idIn(5, x.introduced);
      fixes[f + 6] = s.idIn(6, x.source);
      fixes[f + 7] = severityNumber(x.severity);
      f += FIX_FIELDS;
    }
    fixStart[i + 1] = f / FIX_FIELDS;
  }
  return { advisories: cells, cves, fixStart, fixes };
};

/** Fix numbers by (release, kind, package), firmware left out: the index matches devices apart. */
const groupColumns = (fixes: Int32Array, firmware: number) => {
  // release * 2 + kind -> package -> fix numbers: small integer keys all the way.
  const byRelease = new Map<number, Map<number, number[]>>();
  let grouped = 0;
  let count = 0;
  for (let f = 0, at = 0; at < fixes.length; f++, at += FIX_FIELDS) {
    if (fixes[at] === firmware) continue;
    const key = fixes[at + 1]! * 2 + fixes[at + 3]!;
    let byPackage = byRelease.get(key);
    if (!byPackage) {
      byPackage = new Map();
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
    for (const [pkg, list] of byPackage) {
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

export const packFeed = (content: FeedContent): PackedFeed => {
  const s = new Interner();
  const columns = advisoryColumns(content.advisories, s);
  const firmware = s.find('firmware') ?? NONE - 1;
  const { order, groups } = groupColumns(columns.fixes, firmware);
  const joined = s.strings.join('');
  const stringBytes = Buffer.from(joined);
  // As many bytes as characters: all ASCII, and each string's length is its length in bytes.
  const length = stringBytes.length === joined.length ? (x: string) => x.length : Buffer.byteLength;
  const stringOffsets = new Uint32Array(s.strings.length + 1);
  for (let i = 0; i < s.strings.length; i++) stringOffsets[i + 1] = stringOffsets[i]! + length(s.strings[i]!);
  return new PackedFeed(
    { ...columns, order, groups, stringOffsets, stringBytes },
    { files: content.files, note: content.note },
  );
};
