/**
 * Shared strictness for every feed adapter: parse JSON, validate with a zod schema, and turn the
 * first problems into one message that names where in the document they are. A feed that fails is
 * rejected whole; the caller keeps the last good snapshot.
 */
import { getHeapStatistics } from 'node:v8';
import type { z } from 'zod';
import { DepotError } from '../../errors.js';

/**
 * Longest message kept: a feed's keys and values are its upstream's to choose, and a 20 MB key in
 * an error would go whole into the sync history, the logs and the pages. The start (where) and the
 * end (what is wrong) stay.
 */
export const MAX_FEED_ERROR_CHARS = 2000;

const clipped = (message: string): string =>
  message.length <= MAX_FEED_ERROR_CHARS
    ? message
    : `${message.slice(0, 1200)}… (${message.length - 1700} characters left out) …${message.slice(-500)}`;

export const feedError = (what: string, message: string, cause?: unknown): DepotError =>
  new DepotError('BAD_INPUT', `${what}: ${clipped(message)}`, cause === undefined ? undefined : { cause });

/**
 * Largest JSON value parsed in one piece. JSON.parse cannot be interrupted, and a tree is many
 * times its text (13 times for `[{},{},...]`): one huge value could outgrow the feed worker's heap
 * before the worker can be stopped, and V8 then aborts the whole process, the daemon. Big feeds are
 * walked member by member (json-members.ts); no real member comes close.
 */
export const MAX_JSON_VALUE_BYTES = 32 * 1024 * 1024;

let heapBound: number | undefined;

/**
 * MAX_JSON_VALUE_BYTES, or a 32nd of this thread's heap limit when that is less: a worker of
 * catalog.workerMemoryMB 64 was aborted with the daemon by a 31 MB OSV record or manifest.
 */
export const maxJsonValueBytes = (): number => {
  heapBound ??= Math.min(MAX_JSON_VALUE_BYTES, Math.floor(getHeapStatistics().heap_size_limit / 32));
  return heapBound;
};

const mib = (bytes: number): string => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;

export const tooBigToParse = (what: string, bytes: number): DepotError =>
  feedError(
    what,
    `a single JSON value of ${bytes} bytes is over the ${mib(maxJsonValueBytes())} parsed at once${
      maxJsonValueBytes() < MAX_JSON_VALUE_BYTES ? ' with this heap (catalog.workerMemoryMB)' : ''
    }`,
  );

export const parseJson = (what: string, body: Uint8Array | string): unknown => {
  if (body.length > maxJsonValueBytes()) throw tooBigToParse(what, body.length);
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw feedError(what, `not valid JSON: ${(cause as Error).message}`, cause);
  }
};

export const validate = <S extends z.ZodType>(what: string, schema: S, value: unknown): z.infer<S> => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const describe = (i: z.core.$ZodIssue): string =>
    // zod reports a bad record key as "Invalid key in record"; say why the key is bad instead.
    i.code === 'invalid_key' && i.issues[0] ? `invalid key: ${i.issues[0].message}` : i.message;
  const issues = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${describe(i)}`);
  const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more problems)` : '';
  throw feedError(what, `${issues.join('; ')}${more}`);
};
