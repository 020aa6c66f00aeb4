/**
 * Keyset pagination for /api/v1 lists: a page starts after the key of the last item of the page
 * before, so a host added or removed while a console pages through never shifts what it sees
 * (offsets would skip or repeat items). The cursor is opaque to clients: base64url JSON with the
 * key and when it was issued. A cursor that does not decode, or that claims to come from the
 * future (another appliance's, or a clock set back), is refused with a message; `limit` is
 * clamped, never refused.
 */
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from './contract.js';

const cursorSchema = z
  .object({ v: z.literal(1), k: z.array(z.string().max(2000)).min(1).max(8), t: z.number().int().min(0) })
  .strict();

/** Clock skew tolerated before a cursor counts as from the future. */
const SKEW_MS = 60_000;

export const encodeCursor = (key: readonly string[], now: number): string =>
  Buffer.from(JSON.stringify({ v: 1, k: key, t: now })).toString('base64url');

/** The key a cursor names; undefined for none. */
export const decodeCursor = (raw: string | undefined, width: number, now: number): string[] | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const bad = (why: string) =>
    new DepotError(
      'BAD_INPUT',
      `after: ${why}; pass the "next" value of the previous page, or omit it for the first page`,
    );
  if (raw.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad('not a cursor this appliance gave out');
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw bad('not a cursor this appliance gave out');
  }
  if (parsed.k.length !== width) throw bad('a cursor of another list');
  if (parsed.t > now + SKEW_MS) {
    throw bad(
      `a cursor from the future (issued ${new Date(parsed.t).toISOString()}, now ${new Date(now).toISOString()})`,
    );
  }
  return parsed.k;
};

/** Items per page: absent is the default, anything else is clamped to 1..MAX_LIMIT; not a number is an error. */
export const clampLimit = (raw: string | undefined): number => {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  if (!/^\d{1,30}$/.test(raw.trim())) {
    throw new DepotError(
      'BAD_INPUT',
      `limit: expected a whole number of items per page (1-${MAX_LIMIT}), got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return Math.min(MAX_LIMIT, Math.max(1, Number(raw.trim())));
};

/** Lexicographic order of two keys, by code unit (the same on every machine, unlike localeCompare). */
export const compareKeys = (a: readonly string[], b: readonly string[]): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
};

/**
 * One page of a list sorted by `keyOf`: the items after `after`, at most `limit`, and the cursor
 * of the next page when there is more.
 */
export const keysetPage = <T>(
  sorted: readonly T[],
  keyOf: (item: T) => string[],
  after: string[] | undefined,
  limit: number,
  now: number,
): { items: T[]; next: string | null } => {
  let lo = 0;
  if (after) {
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keyOf(sorted[mid]!), after) <= 0) lo = mid + 1;
      else hi = mid;
    }
  }
  const items = sorted.slice(lo, lo + limit);
  const more = lo + limit < sorted.length;
  return { items, next: more && items.length ? encodeCursor(keyOf(items[items.length - 1]!), now) : null };
};

/** The change feed's `since`: absent is 0 (everything); anything but a whole number is an error. */
export const parseSince = (raw: string | undefined): number => {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,16}$/.test(raw)) {
    throw new DepotError(
      'BAD_INPUT',
      `since: expected a sequence number (the "next" of the last page, or 0 for everything), got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return Number(raw);
};
