/**
 * The bytes of a packed feed (packed-feed.ts) in a saved index, and reading them back without
 * copying: each column is a typed array over the file's own buffer. Eight 32-bit words say how
 * long each column is; the columns follow in a fixed order, the strings' UTF-8 last.
 *
 * Reading checks every number against what it may hold (a string number within the table, a range
 * within its column, each fix in exactly one group that matches it): the checksum finds damage,
 * this finds a file written by something else, and neither may reach the catalog.
 */
import { vendorFileSchema } from './feeds/depot-manifest.js';
import { severities } from './model.js';
import {
  ADVISORY_FIELDS,
  type FeedExtra,
  FIX_FIELDS,
  GROUP_FIELDS,
  NONE,
  type PackedColumns,
  PackedFeed,
} from './packed-feed.js';

/** 'PDX3' in this machine's byte order: read back in another order it is not this number. */
const MAGIC = 0x33584450;
const WORDS = 8;

/** The body of a saved index: `bytes` words of 4 bytes, then the strings. */
export const packedBytes = (feed: PackedFeed): Buffer[] => {
  const c = feed.columns;
  const extra = Buffer.from(JSON.stringify(feed.extra));
  const counts = Int32Array.of(
    MAGIC,
    c.stringOffsets.length - 1,
    c.stringBytes.length,
    c.advisories.length / ADVISORY_FIELDS,
    c.cves.length,
    c.fixes.length / FIX_FIELDS,
    c.groups.length / GROUP_FIELDS,
    extra.length,
  );
  const words = [counts, c.stringOffsets, c.advisories, c.cves, c.fixStart, c.fixes, c.order, c.groups];
  return [...words.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength)), extra, c.stringBytes];
};

/** Throws `why` naming the first thing out of place. */
type Fail = (why: string) => never;

const inStrings = (v: number, n: number, optional: boolean): boolean =>
  (v >= 0 && v < n) || (optional && v === NONE);

const checkAdvisories = (c: PackedColumns, n: number, fail: Fail): void => {
  const { advisories: a, cves, fixStart, fixes } = c;
  for (let at = 0; at < a.length; at += ADVISORY_FIELDS) {
    const i = at / ADVISORY_FIELDS;
    if (!inStrings(a[at]!, n, false) || !inStrings(a[at + 1]!, n, false))
      fail(`advisory ${i}: id or summary out of range`);
    if (severities[a[at + 2]!] === undefined) fail(`advisory ${i}: severity out of range`);
    for (let k = 3; k < 6; k++)
      if (!inStrings(a[at + k]!, n, true)) fail(`advisory ${i}: string out of range`);
    const [from, to] = [a[at + 6]!, a[at + 7]!];
    if (!(from === NONE && to === NONE) && !(from >= 0 && from <= to && to <= cves.length))
      fail(`advisory ${i}: cves out of range`);
  }
  for (let i = 0; i < cves.length; i++) if (!inStrings(cves[i]!, n, false)) fail(`cve ${i} out of range`);
  for (let i = 0; i < fixStart.length; i++)
    if (fixStart[i]! < (i === 0 ? 0 : fixStart[i - 1]!) || (i === 0 && fixStart[0] !== 0))
      fail(`fixStart[${i}] out of order`);
  if (fixStart[fixStart.length - 1] !== fixes.length / FIX_FIELDS) fail('fixStart does not end at the fixes');
};

const checkFixes = (c: PackedColumns, n: number, fail: Fail): void => {
  const f = c.fixes;
  for (let at = 0; at < f.length; at += FIX_FIELDS) {
    const i = at / FIX_FIELDS;
    if (!inStrings(f[at]!, n, false) || !inStrings(f[at + 1]!, n, false) || !inStrings(f[at + 2]!, n, false))
      fail(`fix ${i}: a fix without ecosystem, release or package`);
    if (f[at + 3] !== 0 && f[at + 3] !== 1) fail(`fix ${i}: kind out of range`);
    for (let k = 4; k < 7; k++) if (!inStrings(f[at + k]!, n, true)) fail(`fix ${i}: string out of range`);
    if (f[at + 7] !== NONE && severities[f[at + 7]!] === undefined) fail(`fix ${i}: severity out of range`);
  }
};

/**
 * Each fix but firmware ones in exactly one group, and of that group's release, kind, package;
 * each group's own release, kind and package in range, an empty group's too (the index reads them).
 */
const checkGroups = (feed: PackedFeed, fail: Fail): void => {
  const { fixes, order, groups, stringOffsets } = feed.columns;
  const n = stringOffsets.length - 1;
  const seen = new Uint8Array(fixes.length / FIX_FIELDS);
  for (let at = 0; at < groups.length; at += GROUP_FIELDS) {
    if (!inStrings(groups[at]!, n, false) || !inStrings(groups[at + 2]!, n, false))
      fail(`group ${at / GROUP_FIELDS}: release or package out of range`);
    if (groups[at + 1] !== 0 && groups[at + 1] !== 1) fail(`group ${at / GROUP_FIELDS}: kind out of range`);
    const [from, to] = [groups[at + 3]!, groups[at + 4]!];
    if (!(from >= 0 && from <= to && to <= order.length)) fail(`group ${at / GROUP_FIELDS}: out of range`);
    for (let k = from; k < to; k++) {
      const f = order[k]!;
      if (!(f >= 0 && f < seen.length) || seen[f]) fail(`order[${k}]: not a fix, or one listed twice`);
      seen[f] = 1;
      const fa = f * FIX_FIELDS;
      if (
        fixes[fa + 1] !== groups[at] ||
        fixes[fa + 3] !== groups[at + 1] ||
        fixes[fa + 2] !== groups[at + 2]
      )
        fail(`order[${k}]: fix ${f} is not of its group`);
    }
  }
  for (let f = 0; f < seen.length; f++)
    if (!seen[f] && feed.string(fixes[f * FIX_FIELDS]!) !== 'firmware') fail(`fix ${f} is in no group`);
};

const checkExtra = (v: unknown, fail: Fail): FeedExtra => {
  const e = v as FeedExtra;
  if (typeof v !== 'object' || v === null) fail('files and note unreadable');
  if (e.note !== undefined && typeof e.note !== 'string') fail('note is not text');
  if (e.files !== undefined && !Array.isArray(e.files)) fail('files is not a list');
  for (const [i, f] of (e.files ?? []).entries())
    if (!vendorFileSchema.safeParse(f).success) fail(`file ${i} is not a vendor file`);
  return e;
};

/** The packed feed in `body` (4-byte aligned), its columns over body's own bytes. */
export const readPacked = (body: Buffer, fail: Fail): PackedFeed => {
  if (body.byteOffset % 4 !== 0) {
    const aligned = Buffer.alloc(body.length); // never pooled: starts its own ArrayBuffer
    body.copy(aligned);
    body = aligned;
  }
  if (body.length < WORDS * 4) fail('too short');
  const counts = new Int32Array(body.buffer, body.byteOffset, WORDS);
  if (counts[0] !== MAGIC) fail('not a packed feed in this byte order');
  const [, n, stringBytes, a, cves, f, g, extraBytes] = counts as unknown as number[];
  const lengths = [n! + 1, a! * ADVISORY_FIELDS, cves!, a! + 1, f! * FIX_FIELDS, f!, g! * GROUP_FIELDS];
  if (lengths.some((l) => !(l >= 0)) || !(stringBytes! >= 0 && extraBytes! >= 0)) fail('negative counts');
  const wordBytes = (WORDS + lengths.reduce((x, y) => x + y, 0)) * 4;
  if (wordBytes + extraBytes! + stringBytes! !== body.length)
    fail(`${body.length} bytes, its counts make ${wordBytes + extraBytes! + stringBytes!}`);
  let at = body.byteOffset + WORDS * 4;
  const next = <T>(Type: new (b: ArrayBufferLike, o: number, l: number) => T, length: number): T => {
    const view = new Type(body.buffer, at, length);
    at += length * 4;
    return view;
  };
  const stringOffsets = next(Uint32Array, lengths[0]!);
  const columns: PackedColumns = {
    stringOffsets,
    advisories: next(Int32Array, lengths[1]!),
    cves: next(Int32Array, lengths[2]!),
    fixStart: next(Int32Array, lengths[3]!),
    fixes: next(Int32Array, lengths[4]!),
    order: next(Int32Array, lengths[5]!),
    groups: next(Int32Array, lengths[6]!),
    stringBytes: Buffer.from(body.buffer, at + extraBytes!, stringBytes!),
  };
  for (let i = 0; i < stringOffsets.length; i++)
    if (stringOffsets[i]! < (i === 0 ? 0 : stringOffsets[i - 1]!) || stringOffsets[i]! > stringBytes!)
      fail(`string offset ${i} out of order`);
  if (stringOffsets[0] !== 0 || stringOffsets[n!] !== stringBytes) fail('string table length');
  let extra: unknown;
  try {
    extra = JSON.parse(Buffer.from(body.buffer, at, extraBytes!).toString('utf8'));
  } catch {
    fail('files and note unreadable');
  }
  checkAdvisories(columns, n!, fail);
  checkFixes(columns, n!, fail);
  const feed = new PackedFeed(columns, checkExtra(extra, fail));
  checkGroups(feed, fail);
  return feed;
};
