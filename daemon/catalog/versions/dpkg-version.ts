/**
 * Debian version ordering, a faithful port of dpkg's lib/dpkg/version.c (parseversion +
 * verrevcmp): `[epoch:]upstream[-revision]`, epoch numeric, revision after the LAST hyphen,
 * `~` sorts before everything (even the end of the string), letters before other symbols,
 * digit runs compared numerically with no length limit. Differentially tested against
 * `dpkg --compare-versions`.
 */

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  /** Empty when the version has no hyphen (native packages); dpkg compares it as "". */
  revision: string;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's order(): `~` < end-of-string/digit < letters < everything else. */
const order = (c: number): number => {
  if (Number.isNaN(c) || isDigit(c)) return 0; // NaN = past the end (charCodeAt out of range)
  if (isAlpha(c)) return c;
  if (c === 126) return -1;
  return c + 256;
};

/** Compare two upstream or revision strings exactly as dpkg's verrevcmp does. */
export const verrevcmp = (a: string, b: string): number => {
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    let firstDiff = 0;
    while ((i < la && !isDigit(a.charCodeAt(i))) || (j < lb && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
};

const UPSTREAM_RE = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION_RE = /^[A-Za-z0-9.+~]+$/;

/**
 * Split a version the way dpkg does. Returns an error message for strings dpkg rejects (or warns
 * about), so feeds and inventories can refuse them with a reason instead of guessing.
 */
export const parseDpkgVersion = (input: string): DpkgVersion | { error: string } => {
  const s = input.trim();
  if (s === '') return { error: 'version string is empty' };
  if (/\s/.test(s)) return { error: 'version string has embedded spaces' };
  const colon = s.indexOf(':');
  let epoch = 0;
  let rest = s;
  if (colon !== -1) {
    const e = s.slice(0, colon);
    if (!/^\d+$/.test(e)) return { error: 'epoch in version is not a number' };
    epoch = Number(e);
    if (epoch > 2147483647) return { error: 'epoch in version is too big' };
    rest = s.slice(colon + 1);
    if (rest === '') return { error: 'nothing after colon in version number' };
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1);
  if (hyphen !== -1 && revision === '') return { error: 'revision number is empty' };
  if (upstream === '') return { error: 'upstream version is empty' };
  if (!UPSTREAM_RE.test(upstream)) {
    return {
      error: isDigit(upstream.charCodeAt(0))
        ? 'invalid character in version number'
        : 'version number does not start with digit',
    };
  }
  if (revision !== '' && !REVISION_RE.test(revision))
    return { error: 'invalid character in revision number' };
  return { epoch, upstream, revision };
};

const split = (s: string): DpkgVersion => {
  // Lenient split used by compare: dpkg --compare-versions compares even malformed versions.
  const t = s.trim();
  const colon = t.indexOf(':');
  const epoch = colon === -1 ? 0 : Number(t.slice(0, colon)) || 0;
  const rest = colon === -1 ? t : t.slice(colon + 1);
  const hyphen = rest.lastIndexOf('-');
  return hyphen === -1
    ? { epoch, upstream: rest, revision: '' }
    : { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
};

export const compareDpkgParsed = (a: DpkgVersion, b: DpkgVersion): number => {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  const r = verrevcmp(a.upstream, b.upstream);
  if (r) return r;
  return verrevcmp(a.revision, b.revision);
};

/** <0, 0 or >0 as `a` sorts before, equal to or after `b` in dpkg's order. */
export const compareDpkg = (a: string, b: string): number => {
  if (a === b) return 0;
  return compareDpkgParsed(split(a), split(b));
};
