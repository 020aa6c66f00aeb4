/**
 * Alpine (apk-tools 2.x) version ordering, the Gentoo-style grammar
 * `digit{.digit}...{letter}{_suffix{digit}}...{-r#}`: numeric components, an optional single
 * letter, pre-release suffixes (_alpha < _beta < _pre < _rc) that sort BEFORE the bare version,
 * post-release suffixes (_cvs, _svn, _git, _hg, _p) after it, then the package revision -rN.
 * A component after a dot with leading zeros compares as a fraction (1.01 < 1.1), as apk does.
 * Tokenising follows apk-tools' version.c state machine so malformed strings order the same way.
 */

enum Tok {
  Invalid = -1,
  DigitOrZero = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  RevisionNo = 5,
  End = 6,
}

const PRE = ['alpha', 'beta', 'pre', 'rc'];
const POST = ['cvs', 'svn', 'git', 'hg', 'p'];

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLower = (c: number): boolean => c >= 97 && c <= 122;

/** True when the digit run starting at `i` has a digit other than 0 (`05`, not `00`). */
const hasNonZeroDigit = (s: string, i: number): boolean => {
  for (let k = i; k < s.length && isDigit(s.charCodeAt(k)); k++) if (s.charCodeAt(k) !== 48) return true;
  return false;
};

/** Cursor over one version string: the token type about to be read and the position. */
interface Cursor {
  s: string;
  pos: number;
  type: Tok;
}

const nextToken = (c: Cursor): void => {
  let n: Tok = Tok.Invalid;
  const ch = c.s.charCodeAt(c.pos);
  if (c.pos >= c.s.length) n = Tok.End;
  else if ((c.type === Tok.Digit || c.type === Tok.DigitOrZero) && isLower(ch)) n = Tok.Letter;
  else if (c.type === Tok.Letter && isDigit(ch)) n = Tok.Digit;
  else if (c.type === Tok.Suffix && isDigit(ch)) n = Tok.SuffixNo;
  else {
    if (ch === 46) n = Tok.DigitOrZero;
    else if (ch === 95) n = Tok.Suffix;
    else if (ch === 45) {
      if (c.pos + 1 < c.s.length && c.s.charCodeAt(c.pos + 1) === 114) {
        n = Tok.RevisionNo;
        c.pos++;
      } else n = Tok.Invalid;
    }
    c.pos++;
  }
  if (n < c.type) {
    const allowed =
      (n === Tok.DigitOrZero && c.type === Tok.Digit) ||
      (n === Tok.Suffix && c.type === Tok.SuffixNo) ||
      (n === Tok.Digit && c.type === Tok.Letter);
    if (!allowed) n = Tok.Invalid;
  }
  c.type = n;
};

const getToken = (c: Cursor): number => {
  const { s } = c;
  if (c.pos >= s.length) {
    c.type = Tok.End;
    return 0;
  }
  let v = 0;
  let i = c.pos;
  let nt: Tok = Tok.Invalid;
  // After a dot, leading zeros count as a negative value (1.01 sorts before 1.1), then the
  // digits that follow are read as a separate number.
  // Deviation from apk-tools 2.x, on purpose: a component that is only zeros ("1.0_rc1") is the
  // number 0. The classic code took the zero path there and then lost the suffix token, ordering
  // 1.0_rc1 after 1.0, which apk-tools 3 no longer does.
  if (
    c.type === Tok.DigitOrZero &&
    s.charCodeAt(i) === 48 &&
    isDigit(s.charCodeAt(i + 1)) &&
    hasNonZeroDigit(s, i)
  ) {
    while (i < s.length && s.charCodeAt(i) === 48) i++;
    nt = Tok.Digit;
    v = -(i - c.pos);
  } else
    switch (c.type) {
      case Tok.DigitOrZero:
      case Tok.Digit:
      case Tok.SuffixNo:
      case Tok.RevisionNo:
        while (i < s.length && isDigit(s.charCodeAt(i))) {
          v = v * 10 + (s.charCodeAt(i) - 48);
          i++;
        }
        break;
      case Tok.Letter:
        v = s.charCodeAt(i);
        i++;
        break;
      case Tok.Suffix: {
        const pre = PRE.findIndex((p) => s.startsWith(p, i));
        if (pre !== -1) {
          v = pre - PRE.length;
          i += PRE[pre]!.length;
          break;
        }
        const post = POST.findIndex((p) => s.startsWith(p, i));
        if (post !== -1) {
          v = post;
          i += POST[post]!.length;
          break;
        }
        c.type = Tok.Invalid;
        return -1;
      }
      default:
        c.type = Tok.Invalid;
        return -1;
    }
  c.pos = i;
  if (c.pos >= s.length) c.type = Tok.End;
  else if (nt !== Tok.Invalid) c.type = nt;
  else nextToken(c);
  return v;
};

const APK_VERSION_RE = /^\d+(\.\d+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*(-r\d+)?$/;

/**
 * True when the string follows the documented grammar. Stricter than apk-tools' tokeniser (which
 * lets `1..2` or `a1` through) because this guards feed input, where such strings mean garbage.
 */
export const isValidApkVersion = (v: string): boolean => APK_VERSION_RE.test(v);

/** -1, 0 or 1 as `a` is older than, equal to or newer than `b`. */
export const compareApk = (a: string, b: string): number => {
  if (a === b) return 0;
  const ca: Cursor = { s: a, pos: 0, type: Tok.Digit };
  const cb: Cursor = { s: b, pos: 0, type: Tok.Digit };
  let av = 0;
  let bv = 0;
  while (ca.type === cb.type && ca.type !== Tok.End && ca.type !== Tok.Invalid && av === bv) {
    av = getToken(ca);
    bv = getToken(cb);
  }
  if (av < bv) return -1;
  if (av > bv) return 1;
  if (ca.type === cb.type) return 0;
  // Equal so far: the longer one is newer, unless what follows is a pre-release suffix.
  if (ca.type === Tok.Suffix && getToken({ ...ca }) < 0) return -1;
  if (cb.type === Tok.Suffix && getToken({ ...cb }) < 0) return 1;
  if (ca.type > cb.type) return -1;
  if (cb.type > ca.type) return 1;
  return 0;
};
