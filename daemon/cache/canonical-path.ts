/**
 * One spelling per mirror path, decided before the allow-list check and used as the cache key, so
 * the check sees what the upstream will see and one file is fetched and stored once:
 * - `%2F`, `%5C` and `%00` are refused: nginx decodes them, so `/debian/..%2fprivate` would pass a
 *   prefix check on the encoded form and then climb out of `/debian/` at the mirror.
 * - Escapes of unreserved characters are decoded (`%7e` -> `~`), other escapes upper-cased,
 *   characters that may not appear raw are encoded (`^` -> `%5E`, `é` -> `%C3%A9`).
 * - `+` is kept raw and `%2B` becomes `+`: apt sends `%2b` (curl and Packages files say `+`, as in
 *   `libstdc++6`), static mirrors read both as `+`, and the hashes learned from Packages files are
 *   keyed by the raw `+`.
 * - Dot segments are resolved; `..` above the root is refused, and so is `..;` (Tomcat-based
 *   repository managers read it as `..`).
 */
import { DepotError } from '../errors.js';

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** RFC 3986 pchar outside unreserved: allowed raw in a path segment, kept as given. */
const SUB_DELIMS_ETC = /^[!$&'()*+,;=:@]$/;
const REFUSED_BYTES = new Set([0x2f, 0x5c, 0x00]);

const hex = (byte: number): string => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;

const bad = (message: string): DepotError => new DepotError('BAD_INPUT', message);

/** One segment in canonical form (no `/` inside). */
const canonicalSegment = (segment: string): string => {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = String.fromCodePoint(segment.codePointAt(i)!);
    if (c === '%') {
      const digits = segment.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(digits)) throw bad('malformed percent-encoding in the URL path');
      const byte = Number.parseInt(digits, 16);
      if (REFUSED_BYTES.has(byte)) {
        throw bad(
          'encoded slashes (%2F, %5C) and NUL bytes (%00) are refused in URL paths: a mirror would decode them past the allowed prefix',
        );
      }
      const decoded = String.fromCharCode(byte);
      out += UNRESERVED.test(decoded) || decoded === '+' ? decoded : hex(byte);
      i += 2;
    } else if (UNRESERVED.test(c) || SUB_DELIMS_ETC.test(c)) {
      out += c;
    } else {
      for (const byte of Buffer.from(c, 'utf8')) out += hex(byte);
      i += c.length - 1; // a character outside the BMP is two UTF-16 units
    }
  }
  return out;
};

/**
 * The canonical form of a raw URL path (everything between the authority and `?`/`#`), always
 * starting with `/`. Throws BAD_INPUT with the reason for paths that are refused.
 */
export const canonicalPath = (raw: string): string => {
  // Characters the URL parser would silently drop or turn into `/` must not get that far.
  if (/[\\ ]/.test(raw) || [...raw].some((c) => c < ' ' || c === '\x7f'))
    throw bad('backslashes, spaces and control characters are refused in URL paths');
  const segments = raw.split('/').slice(raw.startsWith('/') ? 1 : 0);
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const s = canonicalSegment(segment);
    const last = i === segments.length - 1;
    if (/^\.\.?;/.test(s)) throw bad('path parameters on dot segments (..;) are refused in URL paths');
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      if (out.length === 0) throw bad('the URL path climbs above the server root (..)');
      out.pop();
      if (last) out.push('');
    } else {
      out.push(s);
    }
  });
  return `/${out.join('/')}`;
};
