/**
 * A feed's advisories as flat integer columns over one string table: what the saved index holds
 * on disk and what the catalog keeps in memory. Loading it is reading a file, not building
 * 400,000 objects: an advisory becomes an object only when something asks for it (an assessment
 * reaching one of its packages, an advisory page), and is kept from then on.
 *
 * Besides the advisories it holds the lookup the catalog index needs: every (release, kind,
 * package) with the fixes listed for it, in feed order, so indexing a loaded feed costs a pass
 * over a few thousand groups, not over every fix.
 */
import type { Advisory, FeedContent, Fix, Severity, VendorFile } from './model.js';
import { severities } from './model.js';

export const NONE = -1;
/** Per advisory: id, summary, severity, published, URL prefix (+ id), URL literal, CVE range. */
export const ADVISORY_FIELDS = 8;
/** Per fix: ecosystem, release, package, kind (0 source), fixedVersion, introduced, source, severity. */
export const FIX_FIELDS = 8;
/** Per group: release, kind, package, and its range in `order`. */
export const GROUP_FIELDS = 5;

export interface PackedColumns {
  /** String i is stringBytes[stringOffsets[i] .. stringOffsets[i+1]) in UTF-8. */
  stringOffsets: Uint32Array;
  stringBytes: Buffer;
  advisories: Int32Array;
  /** CVE lists of advisories whose list is not just their own id. */
  cves: Int32Array;
  /** Fixes of advisory i are fixes[fixStart[i] .. fixStart[i+1]), counted in fixes. */
  fixStart: Int32Array;
  fixes: Int32Array;
  /** Fix numbers grouped by (release, kind, package), each group in feed order. */
  order: Int32Array;
  groups: Int32Array;
}

export interface FeedExtra {
  files?: VendorFile[] | undefined;
  note?: string | undefined;
}

/**
 * `n` empty slots in a packed array: `new Array(n)` of 100,000 or more gives a dictionary, where
 * every read and write is a hash lookup.
 */
const filled = <T>(n: number): (T | undefined)[] => {
  const out: (T | undefined)[] = [];
  for (let i = 0; i < n; i++) out.push(undefined);
  return out;
};

/**
 * An advisory of the index: a number in its feed, each field read from the columns when asked
 * for (an assessment reads the id of every advisory it checks, the rest only of what it reports).
 */
class IndexedAdvisory implements Advisory {
  private cveList: string[] | undefined;
  private fixList: Fix[] | undefined;

  constructor(
    private readonly feed: PackedFeed,
    private readonly at: number,
  ) {}

  get id(): string {
    return this.feed.advisoryId(this.at);
  }
  get cves(): string[] {
    this.cveList ??= this.feed.advisoryCves(this.at);
    return this.cveList;
  }
  get summary(): string {
    return this.feed.advisorySummary(this.at);
  }
  get severity(): Severity {
    return this.feed.advisorySeverity(this.at);
  }
  get published(): string | undefined {
    return this.feed.advisoryPublished(this.at);
  }
  get url(): string | undefined {
    return this.feed.advisoryUrl(this.at);
  }
  get fixes(): Fix[] {
    this.fixList ??= this.feed.fixesOf(this.at);
    return this.fixList;
  }
  /** The plain advisory, for JSON: the fields are getters, which `JSON.stringify` would skip. */
  toJSON(): Advisory {
    const { published, url } = this;
    return {
      id: this.id,
      cves: this.cves,
      summary: this.summary,
      severity: this.severity,
      ...(published === undefined ? {} : { published }),
      ...(url === undefined ? {} : { url }),
      fixes: this.fixes,
    };
  }
}

export class PackedFeed {
  private readonly decoded: (string | undefined)[];
  private readonly objects: (Advisory | undefined)[];
  /** Fix number -> its advisory. */
  private readonly fixAdvisory: Int32Array;

  constructor(
    readonly columns: PackedColumns,
    readonly extra: FeedExtra,
  ) {
    const { fixStart } = columns;
    this.decoded = filled(columns.stringOffsets.length - 1);
    this.objects = filled(fixStart.length - 1);
    this.fixAdvisory = new Int32Array(fixStart[fixStart.length - 1]!);
    const fixAdvisory = this.fixAdvisory;
    for (let a = 0; a < fixStart.length - 1; a++)
      for (let f = fixStart[a]!, end = fixStart[a + 1]!; f < end; f++) fixAdvisory[f] = a;
  }

  /** Drop the strings and advisory objects made so far: they are read from the columns again when asked for. */
  forget(): void {
    this.decoded.fill(undefined);
    this.objects.fill(undefined);
  }

  /** Number of advisories. */
  get count(): number {
    return this.objects.length;
  }

  get groupCount(): number {
    return this.columns.groups.length / GROUP_FIELDS;
  }

  string(i: number): string {
    let s = this.decoded[i];
    if (s === undefined) {
      const { stringOffsets, stringBytes } = this.columns;
      s = stringBytes.toString('utf8', stringOffsets[i], stringOffsets[i + 1]);
      this.decoded[i] = s;
    }
    return s;
  }

  private optional(i: number): string | undefined {
    return i === NONE ? undefined : this.string(i);
  }

  advisoryId(a: number): string {
    return this.string(this.columns.advisories[a * ADVISORY_FIELDS]!);
  }

  /**
   * Advisory `a` for the index, made on first use and the same object until `forget`; its
   * fields are read from the columns as they are asked for.
   */
  advisory(a: number): Advisory {
    let made = this.objects[a];
    if (!made) {
      made = new IndexedAdvisory(this, a);
      this.objects[a] = made;
    }
    return made;
  }

  /** Advisory `a` as a plain object, fixes included, as a parser gives it. */
  plainAdvisory(a: number): Advisory {
    const advisory: Advisory = {
      id: this.advisoryId(a),
      cves: this.advisoryCves(a),
      summary: this.advisorySummary(a),
      severity: this.advisorySeverity(a),
      fixes: [],
    };
    const published = this.advisoryPublished(a);
    const url = this.advisoryUrl(a);
    if (published !== undefined) advisory.published = published;
    if (url !== undefined) advisory.url = url;
    advisory.fixes = this.fixesOf(a);
    return advisory;
  }

  private cell(a: number, field: number): number {
    return this.columns.advisories[a * ADVISORY_FIELDS + field]!;
  }

  advisoryCves(a: number): string[] {
    const [from, to] = [this.cell(a, 6), this.cell(a, 7)];
    if (from === NONE) return [this.advisoryId(a)];
    const out: string[] = [];
    for (let i = from; i < to; i++) out.push(this.string(this.columns.cves[i]!));
    return out;
  }

  advisorySummary(a: number): string {
    return this.string(this.cell(a, 1));
  }

  advisorySeverity(a: number): Severity {
    return severities[this.cell(a, 2)]!;
  }

  advisoryPublished(a: number): string | undefined {
    return this.optional(this.cell(a, 3));
  }

  advisoryUrl(a: number): string | undefined {
    if (this.cell(a, 4) !== NONE) return `${this.string(this.cell(a, 4))}${this.advisoryId(a)}`;
    return this.optional(this.cell(a, 5));
  }

  /** The fixes of advisory `a`, made anew. */
  fixesOf(a: number): Fix[] {
    const { fixStart } = this.columns;
    const fixes: Fix[] = [];
    for (let f = fixStart[a]!; f < fixStart[a + 1]!; f++) fixes.push(this.fix(f));
    return fixes;
  }

  fix(f: number): Fix {
    const c = this.columns.fixes;
    const at = f * FIX_FIELDS;
    const fix: Fix = {
      ecosystem: this.string(c[at]!) as Fix['ecosystem'],
      release: this.string(c[at + 1]!),
      package: this.string(c[at + 2]!),
      packageKind: c[at + 3] === 0 ? 'source' : 'binary',
    };
    const fixed = this.optional(c[at + 4]!);
    const introduced = this.optional(c[at + 5]!);
    const source = this.optional(c[at + 6]!);
    if (fixed !== undefined) fix.fixedVersion = fixed;
    if (introduced !== undefined) fix.introduced = introduced;
    if (source !== undefined) fix.source = source;
    if (c[at + 7] !== NONE) fix.severity = severities[c[at + 7]!] as Severity;
    return fix;
  }

  /** Advisory and fix of fix number `f`, the fix made anew (the index asks once for each). */
  fixRef(f: number): { advisory: Advisory; fix: Fix } {
    return { advisory: this.advisory(this.fixAdvisory[f]!), fix: this.fix(f) };
  }

  /** Group `g`: its release, kind and package (string numbers) and its fix numbers' range in `order`. */
  group(g: number): { release: number; kind: 'source' | 'binary'; pkg: number; from: number; to: number } {
    const c = this.columns.groups;
    const at = g * GROUP_FIELDS;
    return {
      release: c[at]!,
      kind: c[at + 1] === 0 ? 'source' : 'binary',
      pkg: c[at + 2]!,
      from: c[at + 3]!,
      to: c[at + 4]!,
    };
  }

  /** The fix numbers of group `g`, in feed order. */
  groupFixes(g: number): Int32Array {
    const { from, to } = this.group(g);
    return this.columns.order.subarray(from, to);
  }

  /** The source package of fix `f` (binary-keyed fixes from apt indexes), if the feed named one. */
  fixSource(f: number): string | undefined {
    return this.optional(this.columns.fixes[f * FIX_FIELDS + 6]!);
  }

  /** Every advisory as objects, with the files and note: the feed's content as parsed. */
  content(): FeedContent {
    const advisories: Advisory[] = [];
    for (let a = 0; a < this.count; a++) advisories.push(this.plainAdvisory(a));
    const content: FeedContent = { advisories };
    if (this.extra.files) content.files = this.extra.files;
    if (this.extra.note !== undefined) content.note = this.extra.note;
    return content;
  }
}
