/**
 * The built form of a feed snapshot, saved beside it (`<catalog dir>/index/<feed>.idx`) so that a
 * restart loads it without parsing the snapshot again. Strings that repeat (releases, packages,
 * versions, URL prefixes) are interned once and every fix is eight integers, so the file is a
 * fraction of the snapshot and one JSON.parse of flat arrays, not 400,000 small objects.
 *
 * Never trusted blindly: line 1 is a header with the format version, the feed, the size and mtime
 * of the snapshot file it was built from, and the CRC-32 and length of the body (line 2). A header
 * that does not match the snapshot on disk is stale; a bad checksum or an index out of range is
 * damage. Either way the caller rebuilds from the snapshot and saves a fresh index.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { DepotError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import {
  type Advisory,
  type FeedContent,
  type Fix,
  type Severity,
  type SnapshotMeta,
  severities,
  type VendorFile,
} from './model.js';

export const SAVED_INDEX_FORMAT = 'patch-depot-feed-index';
/** Bump whenever the body layout or the meaning of a parsed feed changes. */
export const SAVED_INDEX_VERSION = 2;

interface Header {
  format: string;
  version: number;
  feedId: string;
  /** The snapshot file this was built from. */
  snapshot: { size: number; mtimeMs: number };
  meta: SnapshotMeta;
  bodyBytes: number;
  /** Of the meta (as JSON) and the body: a damaged sync time or ETag in line 1 is damage too. */
  crc32: number;
}

/** A URL is the index of an interned prefix followed by the advisory id, a literal, or absent. */
type UrlCell = number | string | null;

interface Body {
  strings: string[];
  ids: string[];
  /** null: the advisory's own id is its one CVE. */
  cves: (string[] | null)[];
  summaries: string[];
  severities: number[];
  published: (string | null)[];
  urls: UrlCell[];
  /** Fixes of advisory i are fixes[fixStart[i]*8 .. fixStart[i+1]*8). */
  fixStart: number[];
  /** Per fix: ecosystem, release, package, kind, fixedVersion, introduced, source, severity. */
  fixes: number[];
  files?: VendorFile[];
  note?: string;
}

const FIELDS = 8;
const NONE = -1;

export const savedIndexDir = (catalogDir: string): string => join(catalogDir, 'index');

export const savedIndexFile = (catalogDir: string, feedId: string): string =>
  join(savedIndexDir(catalogDir), `${feedId}.idx`);

class Interner {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
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

const urlCell = (a: Advisory, strings: Interner): UrlCell => {
  if (a.url === undefined) return null;
  return a.url.endsWith(a.id) && a.url.length > a.id.length
    ? strings.id(a.url.slice(0, -a.id.length))
    : a.url;
};

const encode = (content: FeedContent): Body => {
  const s = new Interner();
  const body: Body = {
    strings: s.strings,
    ids: [],
    cves: [],
    summaries: [],
    severities: [],
    published: [],
    urls: [],
    fixStart: [0],
    fixes: [],
  };
  for (const a of content.advisories) {
    body.ids.push(a.id);
    body.cves.push(a.cves.length === 1 && a.cves[0] === a.id ? null : a.cves);
    body.summaries.push(a.summary);
    body.severities.push(severities.indexOf(a.severity));
    body.published.push(a.published ?? null);
    body.urls.push(urlCell(a, s));
    for (const f of a.fixes) {
      body.fixes.push(
        s.id(f.ecosystem),
        s.id(f.release),
        s.id(f.package),
        f.packageKind === 'source' ? 0 : 1,
        s.id(f.fixedVersion),
        s.id(f.introduced),
        s.id(f.source),
        f.severity === undefined ? NONE : severities.indexOf(f.severity),
      );
    }
    body.fixStart.push(body.fixes.length / FIELDS);
  }
  if (content.files) body.files = content.files;
  if (content.note !== undefined) body.note = content.note;
  return body;
};

const checksum = (meta: SnapshotMeta, body: Buffer): number => crc32(JSON.stringify(meta), crc32(body));

const damaged = (file: string, why: string): DepotError =>
  new DepotError('STORE_CORRUPT', `${file}: saved index damaged: ${why}`);

const damaged_ = (file: string, why: string): never => {
  throw damaged(file, why);
};

const isString = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isInteger(v);
const CELLS: [keyof Body, (v: unknown) => boolean][] = [
  ['ids', isString],
  ['summaries', isString],
  ['severities', isInt],
  ['published', (v) => v === null || isString(v)],
  ['urls', (v) => v === null || isString(v) || isInt(v)],
  ['cves', (v) => v === null || (Array.isArray(v) && v.every(isString))],
  ['fixes', isInt],
];

/**
 * Every cell of the type its column holds, and fixStart counting up from 0: the checksum finds
 * damage, not a file written by something else (or edited), which must not reach the catalog.
 */
const checkCells = (body: Body, file: string): void => {
  for (const [name, ok] of CELLS) {
    const column = body[name] as unknown[];
    for (let i = 0; i < column.length; i++)
      if (!ok(column[i])) throw damaged(file, `${name}[${i}] is not what the column holds`);
  }
  const starts = body.fixStart;
  for (let i = 0; i < starts.length; i++)
    if (!isInt(starts[i]) || starts[i]! < (i === 0 ? 0 : starts[i - 1]!) || (i === 0 && starts[0] !== 0))
      throw damaged(file, `fixStart[${i}] out of order`);
  if (body.note !== undefined && !isString(body.note)) throw damaged(file, 'note is not text');
  if (body.files !== undefined && !Array.isArray(body.files)) throw damaged(file, 'files is not a list');
};

/** Rebuild the advisories; any index out of range or column out of step is damage. */
const decode = (body: Body, file: string): FeedContent => {
  const { strings, fixes } = body;
  const n = body.ids?.length;
  const columns = [body.cves, body.summaries, body.severities, body.published, body.urls];
  if (!Array.isArray(strings) || !Array.isArray(fixes) || typeof n !== 'number')
    throw damaged(file, 'missing columns');
  if (columns.some((c) => !Array.isArray(c) || c.length !== n) || body.fixStart?.length !== n + 1)
    throw damaged(file, 'columns of different lengths');
  if (fixes.length !== body.fixStart[n]! * FIELDS) throw damaged(file, 'fix table length');
  checkCells(body, file);
  const str = (i: number): string | undefined => {
    if (i === NONE) return undefined;
    const v = strings[i];
    if (typeof v !== 'string') throw damaged(file, `string ${i} out of range`);
    return v;
  };
  const need = (i: number): string => str(i) ?? damaged_(file, 'a fix without ecosystem, release or package');
  const sev = (i: number): Severity => {
    const v = severities[i];
    if (v === undefined) throw damaged(file, `severity ${i} out of range`);
    return v;
  };
  const advisories: Advisory[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const id = body.ids[i]!;
    const u = body.urls[i];
    const a: Advisory = {
      id,
      cves: body.cves[i] ?? [id],
      summary: body.summaries[i]!,
      severity: sev(body.severities[i]!),
      fixes: [],
    };
    if (body.published[i] !== null) a.published = body.published[i]!;
    if (u !== null) a.url = typeof u === 'number' ? `${str(u)}${id}` : u;
    for (let k = body.fixStart[i]! * FIELDS, end = body.fixStart[i + 1]! * FIELDS; k < end; k += FIELDS) {
      const fix: Fix = {
        ecosystem: need(fixes[k]!) as Fix['ecosystem'],
        release: need(fixes[k + 1]!),
        package: need(fixes[k + 2]!),
        packageKind: fixes[k + 3] === 0 ? 'source' : 'binary',
      };
      if (fixes[k + 4] !== NONE) fix.fixedVersion = str(fixes[k + 4]!);
      if (fixes[k + 5] !== NONE) fix.introduced = str(fixes[k + 5]!);
      if (fixes[k + 6] !== NONE) fix.source = str(fixes[k + 6]!);
      if (fixes[k + 7] !== NONE) fix.severity = sev(fixes[k + 7]!);
      a.fixes.push(fix);
    }
    advisories[i] = a;
  }
  const content: FeedContent = { advisories };
  if (body.files) content.files = body.files;
  if (body.note !== undefined) content.note = body.note;
  return content;
};

/** Save the index of `content`, the content of the snapshot file `snapshotFile` just written. */
export const saveIndex = async (
  catalogDir: string,
  snapshotFile: string,
  meta: SnapshotMeta,
  content: FeedContent,
): Promise<void> => {
  const { size, mtimeMs } = await stat(snapshotFile);
  const body = Buffer.from(`${JSON.stringify(encode(content))}\n`);
  const header: Header = {
    format: SAVED_INDEX_FORMAT,
    version: SAVED_INDEX_VERSION,
    feedId: meta.feedId,
    snapshot: { size, mtimeMs },
    meta,
    bodyBytes: body.length,
    crc32: checksum(meta, body),
  };
  await writeFileAtomic(savedIndexFile(catalogDir, meta.feedId), [`${JSON.stringify(header)}\n`, body]);
};

export type LoadedIndex =
  | { status: 'loaded'; meta: SnapshotMeta; content: FeedContent }
  | { status: 'missing' | 'stale'; why: string };

/**
 * The saved index of `feedId` when it matches `snapshotFile` as it is on disk now. Missing or
 * stale ones say why; a damaged one throws STORE_CORRUPT. Either way: rebuild and save again.
 */
export const loadIndex = async (
  catalogDir: string,
  feedId: string,
  snapshotFile: string,
): Promise<LoadedIndex> => {
  const file = savedIndexFile(catalogDir, feedId);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing', why: 'no saved index' };
    throw err;
  }
  const eol = bytes.indexOf(0x0a);
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(0, eol < 0 ? bytes.length : eol).toString('utf8')) as Header;
  } catch {
    throw damaged(file, 'unreadable header');
  }
  if (header?.format !== SAVED_INDEX_FORMAT) throw damaged(file, 'not a saved index');
  if (header.version !== SAVED_INDEX_VERSION)
    return {
      status: 'stale',
      why: `format version ${header.version}, this build reads ${SAVED_INDEX_VERSION}`,
    };
  if (header.feedId !== feedId || header.meta?.feedId !== feedId)
    return { status: 'stale', why: `built for feed ${header.feedId}` };
  const snap = await stat(snapshotFile).catch(() => undefined);
  if (!snap) return { status: 'stale', why: 'its snapshot is gone' };
  if (snap.size !== header.snapshot?.size || snap.mtimeMs !== header.snapshot.mtimeMs)
    return { status: 'stale', why: 'built from another snapshot' };
  const body = bytes.subarray(eol + 1);
  if (body.length !== header.bodyBytes)
    throw damaged(file, `${body.length} bytes, header says ${header.bodyBytes}`);
  if (checksum(header.meta, body) !== header.crc32) throw damaged(file, 'checksum mismatch');
  let parsed: Body;
  try {
    parsed = JSON.parse(body.toString('utf8')) as Body;
  } catch {
    throw damaged(file, 'unreadable body');
  }
  return { status: 'loaded', meta: header.meta, content: decode(parsed, file) };
};

export const deleteIndex = (catalogDir: string, feedId: string): Promise<void> =>
  rm(savedIndexFile(catalogDir, feedId), { force: true });
