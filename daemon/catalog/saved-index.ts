/**
 * The built form of a feed snapshot, saved beside it (`<catalog dir>/index/<feed>.idx`) so that a
 * restart loads it without parsing the snapshot again: the feed packed into integer columns over
 * one string table (packed-feed.ts, packed-bytes.ts), read back as typed arrays over the file's
 * own buffer, with no JSON.parse and no object per fix.
 *
 * Never trusted blindly: line 1 is a header with the format version, the feed, the size and mtime
 * of the snapshot file it was built from, and the CRC-32 and length of the body. A header that
 * does not match the snapshot on disk is stale, and so is a file of another format version; a bad
 * checksum or a number out of range is damage. Either way the caller rebuilds from the snapshot
 * and saves a fresh index.
 */
import { type FileHandle, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { DepotError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { FeedContent, SnapshotMeta } from './model.js';
import { packFeed } from './pack-feed.js';
import { packedBytes, readPacked } from './packed-bytes.js';
import { PackedFeed } from './packed-feed.js';
import { snapshotMetaShape } from './snapshot-meta.js';

export const SAVED_INDEX_FORMAT = 'patch-depot-feed-index';
/** Bump whenever the body layout or the meaning of a parsed feed changes. */
export const SAVED_INDEX_VERSION = 3;

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

/** The body starts at a multiple of this, so its columns are typed arrays over the file's bytes. */
const BODY_ALIGN = 8;

export const savedIndexDir = (catalogDir: string): string => join(catalogDir, 'index');

export const savedIndexFile = (catalogDir: string, feedId: string): string =>
  join(savedIndexDir(catalogDir), `${feedId}.idx`);

const checksum = (meta: SnapshotMeta, body: Buffer[]): number =>
  crc32(
    JSON.stringify(meta),
    body.reduce((crc, b) => crc32(b, crc), 0),
  );

const damaged = (file: string, why: string): DepotError =>
  new DepotError('STORE_CORRUPT', `${file}: saved index damaged: ${why}`);

/**
 * Save the index of `content` (parsed, or packed already), the content of the snapshot file
 * `snapshotFile` just written. Returns the packed feed.
 */
export const saveIndex = async (
  catalogDir: string,
  snapshotFile: string,
  meta: SnapshotMeta,
  content: FeedContent | PackedFeed,
): Promise<PackedFeed> => {
  const feed = content instanceof PackedFeed ? content : packFeed(content);
  const { size, mtimeMs } = await stat(snapshotFile);
  const body = packedBytes(feed);
  const header: Header = {
    format: SAVED_INDEX_FORMAT,
    version: SAVED_INDEX_VERSION,
    feedId: meta.feedId,
    snapshot: { size, mtimeMs },
    meta,
    bodyBytes: body.reduce((n, b) => n + b.length, 0),
    crc32: checksum(meta, body),
  };
  const line = JSON.stringify(header);
  const pad = ' '.repeat((BODY_ALIGN - ((Buffer.byteLength(line) + 1) % BODY_ALIGN)) % BODY_ALIGN);
  await writeFileAtomic(savedIndexFile(catalogDir, meta.feedId), [`${line}${pad}\n`, ...body]);
  return feed;
};

export type LoadedIndex =
  | { status: 'loaded'; meta: SnapshotMeta; feed: PackedFeed }
  | { status: 'missing' | 'stale'; why: string };

/** Line 1 is never longer than this (its meta holds a feed's validators and a one-line note). */
const HEADER_MAX = 64 * 1024;
/** The header line of an open saved index and where its body starts. */
const readHeader = async (handle: FileHandle, size: number, file: string) => {
  const head = Buffer.alloc(Math.min(size, HEADER_MAX));
  await handle.read(head, 0, head.length, 0);
  const eol = head.indexOf(0x0a);
  if (eol < 0) throw damaged(file, 'unreadable header (no header line)');
  try {
    return { header: JSON.parse(head.subarray(0, eol).toString('utf8')) as Header, bodyAt: eol + 1 };
  } catch {
    throw damaged(file, 'unreadable header');
  }
};

/**
 * The saved index of `feedId` when it matches `snapshotFile` as it is on disk now. Missing or
 * stale ones say why; a damaged one throws STORE_CORRUPT. Either way: rebuild and save again.
 * Only the header line is read until it says the body is the one wanted and the file is exactly
 * that long: a stale file, or one with bytes appended, is never read whole, and the body's buffer
 * is the size of the file on disk, never of a number in it.
 */
export const loadIndex = async (
  catalogDir: string,
  feedId: string,
  snapshotFile: string,
): Promise<LoadedIndex> => {
  const file = savedIndexFile(catalogDir, feedId);
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing', why: 'no saved index' };
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const { header, bodyAt } = await readHeader(handle, size, file);
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
    const bodyBytes = size - bodyAt;
    if (bodyBytes !== header.bodyBytes)
      throw damaged(file, `${bodyBytes} bytes, header says ${header.bodyBytes}`);
    // Its own memory, starting at offset 0: the columns are typed arrays over it, aligned.
    const body = Buffer.allocUnsafeSlow(bodyBytes);
    const { bytesRead } = await handle.read(body, 0, bodyBytes, bodyAt);
    if (bytesRead !== bodyBytes) throw damaged(file, `${bytesRead} bytes, header says ${bodyBytes}`);
    return loaded(file, header, body);
  } finally {
    await handle.close();
  }
};

/** The index whose header and body are read: checksum, meta and columns checked. */
const loaded = (file: string, header: Header, body: Buffer): LoadedIndex => {
  if (checksum(header.meta, [body]) !== header.crc32) throw damaged(file, 'checksum mismatch');
  const meta = snapshotMetaShape.safeParse(header.meta);
  if (!meta.success) throw damaged(file, 'its snapshot meta is not one');
  const feed = readPacked(body, (why) => {
    throw damaged(file, why);
  });
  return { status: 'loaded', meta: meta.data as SnapshotMeta, feed };
};

export const deleteIndex = (catalogDir: string, feedId: string): Promise<void> =>
  rm(savedIndexFile(catalogDir, feedId), { force: true });
