/**
 * RPM version ordering: a port of rpmvercmp() (rpmio/rpmvercmp.c, rpm >= 4.15 with `^`) and of
 * rpmverCmp() for full `[epoch:]version[-release]` strings. Segments are maximal runs of digits or
 * of letters; everything else separates. Digits beat letters, `~` sorts before anything (pre-release)
 * and `^` after the base version but before any further segment (post-release snapshots).
 * Differentially tested against rpm's own `rpm.vercmp`.
 */

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);
const TILDE = 126;
const CARET = 94;

/** Compare two version (or release) fields: -1, 0 or 1. */
export const rpmvercmp = (a: string, b: string): number => {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    while (i < la && !isAlnum(a.charCodeAt(i)) && a.charCodeAt(i) !== TILDE && a.charCodeAt(i) !== CARET) i++;
    while (j < lb && !isAlnum(b.charCodeAt(j)) && b.charCodeAt(j) !== TILDE && b.charCodeAt(j) !== CARET) j++;
    const ca = i < la ? a.charCodeAt(i) : 0;
    const cb = j < lb ? b.charCodeAt(j) : 0;
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      // A base version that ended is older than the same version with a ^ snapshot.
      if (i >= la) return -1;
      if (j >= lb) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < la && j < lb)) break;
    const numeric = isDigit(ca);
    const test = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < la && test(a.charCodeAt(ei))) ei++;
    while (ej < lb && test(b.charCodeAt(ej))) ej++;
    // Different segment types: numeric always beats alpha.
    if (ej === j) return numeric ? 1 : -1;
    let si = i;
    let sj = j;
    if (numeric) {
      while (si < ei && a.charCodeAt(si) === 48) si++;
      while (sj < ej && b.charCodeAt(sj) === 48) sj++;
      const lenA = ei - si;
      const lenB = ej - sj;
      if (lenA !== lenB) return lenA > lenB ? 1 : -1;
    }
    const segA = a.slice(si, ei);
    const segB = b.slice(sj, ej);
    if (segA !== segB) return segA < segB ? -1 : 1;
    i = ei;
    j = ej;
  }
  const restA = i < la;
  const restB = j < lb;
  if (!restA && !restB) return 0;
  return restA ? 1 : -1;
};

export interface RpmEvr {
  /** Undefined when the string has no epoch; rpm then compares it as "0". */
  epoch: string | undefined;
  version: string;
  /** Undefined when absent: such an EVR sorts below the same version with any release. */
  release: string | undefined;
}

/** Split `[epoch:]version[-release]` as rpm's rpmverParse does. */
export const parseRpmEvr = (evr: string): RpmEvr => {
  let rest = evr;
  let epoch: string | undefined;
  const colon = rest.indexOf(':');
  if (colon !== -1 && /^\d*$/.test(rest.slice(0, colon))) {
    epoch = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
    if (epoch === '') epoch = '0';
  }
  const hyphen = rest.lastIndexOf('-');
  if (hyphen === -1) return { epoch, version: rest, release: undefined };
  return { epoch, version: rest.slice(0, hyphen), release: rest.slice(hyphen + 1) };
};

export const compareRpmEvr = (a: RpmEvr, b: RpmEvr): number => {
  const rc = rpmvercmp(a.epoch ?? '0', b.epoch ?? '0');
  if (rc) return rc;
  const rv = rpmvercmp(a.version, b.version);
  if (rv) return rv;
  if (a.release !== undefined && b.release !== undefined) return rpmvercmp(a.release, b.release);
  // rpm.vercmp (rpm 4.18) ranks an EVR with a release, even an empty one, above the same version
  // without: `11` < `11-4`, `1.0` < `1.0-`. Matching a bare-version dependency is a different
  // operation (rpmdsCompare) and not what a fixed-version check wants.
  if (a.release !== undefined) return 1;
  if (b.release !== undefined) return -1;
  return 0;
};

/** <0, 0 or >0 for two full EVR strings, like `rpm.vercmp()`. */
export const compareRpm = (a: string, b: string): number => {
  if (a === b) return 0;
  return compareRpmEvr(parseRpmEvr(a), parseRpmEvr(b));
};
