/**
 * When a dropped download may be resumed with Range, and whether the upstream's 206 really
 * continues the same file. A resume without a strong validator can splice two versions of a file
 * (the first half of the old one, the rest of the new one) into bytes that pass a size check.
 */

export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
  /** The Date header of the response that carried them. */
  date?: string | undefined;
}

/**
 * The If-Range value that makes a resume safe, or undefined when there is none (RFC 9110 13.1.5):
 * a strong ETag; or, only when there is no ETag at all, a Last-Modified that is strong in the sense
 * of 8.8.2.2 — at least one second older than the Date of the response that carried it (a file
 * changed twice within its last-modified second would otherwise look unchanged).
 */
export const ifRangeValidator = (v: Validators): string | undefined => {
  if (v.etag !== undefined) return v.etag.startsWith('W/') ? undefined : v.etag;
  if (v.lastModified === undefined || v.date === undefined) return undefined;
  const modified = Date.parse(v.lastModified);
  const date = Date.parse(v.date);
  if (Number.isNaN(modified) || Number.isNaN(date)) return undefined;
  return date - modified >= 1000 ? v.lastModified : undefined;
};

export interface ContentRange {
  start: number;
  end: number;
  /** undefined for `*` (the server does not know). */
  total: number | undefined;
}

export const parseContentRange = (value: string | undefined): ContentRange | undefined => {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const range = { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
  if (range.end < range.start || (range.total !== undefined && range.end >= range.total)) return undefined;
  return range;
};

/**
 * Whether a 206 answering `Range: bytes=<offset>-` continues the file we have: it starts exactly at
 * the offset and, when we know the file's length, runs to the same end.
 */
export const continuesAt = (range: ContentRange | undefined, offset: number, total: number | undefined) =>
  range !== undefined &&
  range.start === offset &&
  (total === undefined || (range.total === total && range.end === total - 1));
