/**
 * What the feed worker thread does, and how its answers travel. A task (parse a document or a
 * repository's apt indexes, read a bundle, load a snapshot) runs in the worker. A feed it packed (the Debian tracker, packed as it
 * is parsed) comes back as its columns, whose memory moves to the main thread instead of being
 * copied. Advisory objects come back in batches of a few thousand fixes, each sent only once the
 * main thread asked for more, then the rest of the result: a whole feed cloned in one message
 * would take seconds to deserialize on the main thread; a batch takes milliseconds, and the event
 * loop serves requests between batches.
 */
import { createHash } from 'node:crypto';
import { DepotError, type ErrorCode } from '../errors.js';
import { type Bundle, readBundle } from './bundle.js';
import { type AptIndexesRequest, aptIndexesContent } from './feeds/apt-packages.js';
import { parseDocument } from './feeds/parse-document.js';
import type { Advisory, FeedContent } from './model.js';
import { type FeedExtra, type PackedColumns, PackedFeed } from './packed-feed.js';
import type { ParsedContent } from './parsed-content.js';
import type { BundleRequest, DocumentRequest, DocumentResult } from './ports.js';
import { readSnapshotFile, type Snapshot, snapshotFiles } from './snapshot-store.js';

export type FeedTask =
  | { kind: 'document'; request: DocumentRequest }
  | { kind: 'bundle'; request: BundleRequest }
  | { kind: 'apt'; request: AptIndexesRequest }
  | { kind: 'snapshot'; feedsDir: string; feedId: string };

export interface TaskAnswers {
  document: DocumentResult;
  bundle: Bundle;
  apt: { content: FeedContent };
  snapshot: Snapshot | undefined;
}

/** Worker -> main. */
export type WorkerMessage =
  | { type: 'advisories'; content: number; batch: Advisory[] }
  | { type: 'packed'; content: number; columns: PackedColumns; extra: FeedExtra }
  | { type: 'done'; answer: unknown }
  | { type: 'failed'; code: ErrorCode | undefined; message: string };
/** Main -> worker: send the next batch. */
export const MORE = 'more';

const documentTask = (req: DocumentRequest): DocumentResult => {
  const sha256 = createHash('sha256').update(req.body).digest('hex');
  if (sha256 === req.previousSha256) return { sha256, unchanged: true };
  const parsed = parseDocument(req.kind, req.body, req);
  return { sha256, unchanged: false, content: parsed.content, sequence: parsed.sequence };
};

export const runTask = async (task: FeedTask): Promise<TaskAnswers[FeedTask['kind']]> => {
  switch (task.kind) {
    case 'document':
      return documentTask(task.request);
    case 'bundle':
      return readBundle(task.request);
    case 'apt':
      return { content: aptIndexesContent(task.request) };
    case 'snapshot':
      return readSnapshotFile(snapshotFiles(task.feedsDir).file(task.feedId));
  }
};

/** The objects of an answer that hold a feed's content, in a fixed order both sides agree on. */
export const holdersOf = (kind: FeedTask['kind'], answer: unknown): { content: ParsedContent }[] => {
  switch (kind) {
    case 'document': {
      const a = answer as TaskAnswers['document'];
      return a.unchanged ? [] : [a];
    }
    case 'bundle':
      return (answer as TaskAnswers['bundle']).feeds;
    case 'apt':
      return [answer as TaskAnswers['apt']];
    case 'snapshot': {
      const a = answer as TaskAnswers['snapshot'];
      return a ? [a] : [];
    }
  }
};

/**
 * The packed feed of holder `index` as a message, and the buffers to move with it (each column
 * that is a whole buffer of its own; any other is copied). Its holder keeps an empty content.
 */
export const packedMessage = (
  holder: { content: ParsedContent },
  index: number,
): { message: WorkerMessage; transfer: ArrayBuffer[] } | undefined => {
  const feed = holder.content;
  if (!(feed instanceof PackedFeed)) return undefined;
  holder.content = { advisories: [] };
  const transfer = new Set<ArrayBuffer>();
  for (const column of Object.values(feed.columns) as ArrayBufferView[]) {
    const { buffer } = column;
    if (buffer instanceof ArrayBuffer && column.byteOffset === 0 && column.byteLength === buffer.byteLength)
      transfer.add(buffer);
  }
  return {
    message: { type: 'packed', content: index, columns: feed.columns, extra: feed.extra },
    transfer: [...transfer],
  };
};

/** The packed feed a 'packed' message carried (a Buffer arrives as a plain Uint8Array). */
export const packedFrom = (m: Extract<WorkerMessage, { type: 'packed' }>): PackedFeed => {
  const b = m.columns.stringBytes as Uint8Array;
  const stringBytes = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return new PackedFeed({ ...m.columns, stringBytes }, m.extra);
};

const FIXES_PER_BATCH = 2000;

/** Advisories in batches of about FIXES_PER_BATCH fixes. */
export function* batches(advisories: Advisory[]): Generator<Advisory[]> {
  let batch: Advisory[] = [];
  let fixes = 0;
  for (const a of advisories) {
    batch.push(a);
    fixes += a.fixes.length + 1;
    if (fixes >= FIXES_PER_BATCH) {
      yield batch;
      batch = [];
      fixes = 0;
    }
  }
  if (batch.length) yield batch;
}

/** An error from the worker as a message, and back. */
export const failure = (err: unknown): WorkerMessage => ({
  type: 'failed',
  code: err instanceof DepotError ? err.code : undefined,
  message: err instanceof Error ? err.message : String(err),
});

export const fromFailure = (m: Extract<WorkerMessage, { type: 'failed' }>): Error =>
  m.code ? new DepotError(m.code, m.message) : new Error(m.message);
