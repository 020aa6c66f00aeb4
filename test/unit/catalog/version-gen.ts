/**
 * Deterministic version-string generators shared by the property tests and the differential tests
 * against dpkg and rpm. Pairs are made "close" on purpose (same prefix, one edit apart) because
 * random unrelated strings almost always differ in their first character and prove little.
 */
import { readFileSync } from 'node:fs';
import { parseDpkgVersion } from '../../../daemon/catalog/versions/dpkg-version.js';
import { Rng } from '../../support/prng.js';

export const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');

export const realDebianVersions = (): string[] =>
  fixture('catalog/debian-versions.txt')
    .split('\n')
    .filter((l) => l.trim() !== '');

const piece = (r: Rng, alphabet: string, max: number): string => {
  let s = '';
  const n = 1 + r.int(max);
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
};

/** A syntactically valid Debian version. */
export const genDpkgVersion = (r: Rng): string => {
  const epoch = r.next() < 0.2 ? `${r.int(3)}:` : '';
  const upstream = `${r.int(20)}${piece(r, '0123456789.0123456789abzAZ+~.', 6)}`;
  const revision = r.next() < 0.7 ? `-${piece(r, '0123456789.+~a', 5)}` : '';
  return `${epoch}${upstream}${revision}`;
};

/** One small edit that keeps a Debian version valid: the neighbour of `v` in version space. */
export const mutateDpkg = (r: Rng, v: string): string => {
  switch (r.int(7)) {
    case 0:
      return `${v}~${piece(r, 'abc0123', 3)}`;
    case 1:
      return `${v}+${piece(r, 'deb0123u', 4)}`;
    case 2:
      return v.replace(/\d+(?!.*\d)/, (d) => String(Math.max(0, Number(d) + r.int(3) - 1)));
    case 3:
      return v.includes(':') ? v.replace(/^\d+:/, '') : `1:${v}`;
    case 4:
      return v.replace(/\.(\d)/, '.0$1');
    case 5:
      return v.includes('-') ? `${v}.1` : `${v}-1`;
    default:
      return v.replace(/~[^~]*$/, '') || v;
  }
};

const validDpkg = (v: string): boolean => !('error' in parseDpkgVersion(v));

export const dpkgPairs = (seed: number, n: number, real: string[]): [string, string][] => {
  const r = new Rng(seed);
  const out: [string, string][] = [];
  while (out.length < n) {
    const mode = r.int(4);
    if (mode === 0) out.push([genDpkgVersion(r), genDpkgVersion(r)]);
    else if (mode === 1) out.push([r.pick(real), r.pick(real)]);
    else {
      const base = mode === 2 ? r.pick(real) : genDpkgVersion(r);
      out.push(r.next() < 0.5 ? [base, mutateDpkg(r, base)] : [mutateDpkg(r, base), base]);
    }
    // A mutation can produce a version dpkg refuses ("1.0-" after dropping a ~suffix); those
    // are not comparisons, so the pair is drawn again.
    const last = out.at(-1)!;
    if (!validDpkg(last[0]) || !validDpkg(last[1])) out.pop();
  }
  return out;
};

/** An rpm EVR with the separators and ~/^ markers rpmvercmp treats specially. */
export const genRpmEvr = (r: Rng, withRelease = r.next() < 0.7): string => {
  const seg = (): string =>
    r.next() < 0.65 ? String(r.int(r.next() < 0.2 ? 1000 : 12)) : piece(r, 'abcrz', 3);
  let version = seg();
  const parts = r.int(5);
  for (let i = 0; i < parts; i++) version += `${r.pick(['.', '.', '', '_', '+', '~', '^'])}${seg()}`;
  if (r.next() < 0.1) version += r.pick(['~', '^']);
  const epoch = r.next() < 0.15 ? `${r.int(3)}:` : '';
  const release = withRelease ? `-${r.int(5)}${r.pick(['', '.el9', '.fc40', '~rc1', '^1'])}` : '';
  return `${epoch}${version}${release}`;
};

export const mutateRpm = (r: Rng, v: string): string => {
  switch (r.int(5)) {
    case 0:
      return `${v}~${piece(r, 'rc12', 2)}`;
    case 1:
      return `${v}^${piece(r, 'git12', 3)}`;
    case 2:
      return `${v}.${r.int(3)}`;
    case 3:
      return v.replace(/\d+(?!.*\d)/, (d) => String(Number(d) + 1));
    default:
      return `${v}${piece(r, 'a1', 2)}`;
  }
};

/** A different spelling rpm considers equal: other separators, leading zeros, explicit 0 epoch. */
const equivalentRpm = (r: Rng, v: string): string => {
  switch (r.int(3)) {
    case 0:
      return v.replace(/\./, '_');
    case 1:
      return v.replace(/(^|[^0-9])(\d)/, '$100$2');
    default:
      return v.includes(':') ? v : `0:${v}`;
  }
};

export const rpmPairs = (seed: number, n: number): [string, string][] => {
  const r = new Rng(seed);
  const out: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    const a = genRpmEvr(r);
    const mode = r.int(10);
    if (mode < 4) out.push([a, genRpmEvr(r)]);
    else if (mode < 6) out.push([a, mutateRpm(r, a)]);
    else if (mode < 8) out.push([mutateRpm(r, a), a]);
    else out.push([a, equivalentRpm(r, a)]);
  }
  return out;
};
