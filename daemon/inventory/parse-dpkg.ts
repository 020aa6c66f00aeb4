/**
 * dpkg-query output -> installed packages. Accepts the formats a technician is likely to paste:
 *   ${Package}\t${Version}                                   (the documented minimum)
 *   ${Package}\t${Version}\t${Architecture}
 *   ${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}   (what the collector runs)
 *   ${Package}\t${Version}\t${source:Package}\t${source:Version}
 *   `dpkg -l` listings (ii  name[:arch]  version  arch  description)
 * Every line is checked; a bad line is an error naming its number, not a silently dropped package.
 */
import { parseDpkgVersion } from '../catalog/versions/dpkg-version.js';
import { DepotError } from '../errors.js';
import { MAX_PACKAGE_TEXT } from '../platform.js';
import type { InstalledPackage } from './types.js';

const NAME_RE = /^[a-z0-9][a-z0-9+.-]*$/;
const ARCH_RE = /^[a-z0-9][a-z0-9-]*$/;
/** Longest name or version an inventory holds; an architecture: 64. */
const MAX_FIELD = MAX_PACKAGE_TEXT;
const MAX_ARCH = 64;

/** A value from the host, quoted in an error cut short: a 1 MB field must not make a 1 MB error. */
const shown = (v: string): string => `"${v.length > 80 ? `${v.slice(0, 80)}…` : v}"`;

const tooLong = (lineNo: number, what: string, v: string, max: number) =>
  new DepotError('BAD_INPUT', `line ${lineNo}: ${what} ${shown(v)} is longer than ${max} characters`);

const checkVersion = (v: string, lineNo: number, what: string): string => {
  if (v.length > MAX_FIELD) throw tooLong(lineNo, what, v, MAX_FIELD);
  const parsed = parseDpkgVersion(v);
  if ('error' in parsed)
    throw new DepotError('BAD_INPUT', `line ${lineNo}: ${what} ${shown(v)}: ${parsed.error}`);
  return v;
};

const checkName = (v: string, lineNo: number, what: string): string => {
  if (!NAME_RE.test(v)) throw new DepotError('BAD_INPUT', `line ${lineNo}: invalid ${what} ${shown(v)}`);
  if (v.length > MAX_FIELD) throw tooLong(lineNo, what, v, MAX_FIELD);
  return v;
};

const fromColumns = (cols: string[], lineNo: number): InstalledPackage => {
  let [rawName, version] = cols as [string, string];
  let arch: string | undefined;
  // dpkg-query prints multi-arch names as name:arch only with ${binary:Package}; accept both.
  const colon = rawName.indexOf(':');
  if (colon !== -1) {
    arch = rawName.slice(colon + 1);
    rawName = rawName.slice(0, colon);
  }
  checkName(rawName, lineNo, 'package name');
  version = checkVersion(version, lineNo, 'version');
  const pkg: InstalledPackage = { name: rawName, version };
  let rest = cols.slice(2);
  if (rest.length === 1 || rest.length === 3) {
    const a = rest[0]!;
    if (a !== '') arch = a;
    rest = rest.slice(1);
  }
  if (arch) {
    if (!ARCH_RE.test(arch))
      throw new DepotError('BAD_INPUT', `line ${lineNo}: invalid architecture ${shown(arch)}`);
    if (arch.length > MAX_ARCH) throw tooLong(lineNo, 'architecture', arch, MAX_ARCH);
    pkg.arch = arch;
  }
  if (rest.length === 2) {
    const [source, sourceVersion] = rest as [string, string];
    if (source !== '' && source !== rawName) {
      pkg.source = checkName(source, lineNo, 'source name');
    }
    if (sourceVersion !== '' && sourceVersion !== version) {
      pkg.sourceVersion = checkVersion(sourceVersion, lineNo, 'source version');
    }
  } else if (rest.length !== 0) {
    throw new DepotError(
      'BAD_INPUT',
      `line ${lineNo}: expected 2 to 5 tab-separated columns (package, version[, arch][, source, source version]), got ${cols.length}`,
    );
  }
  return pkg;
};

export const parseDpkgQuery = (text: string): InstalledPackage[] => {
  const out: InstalledPackage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const lineNo = i + 1;
    // `dpkg -l`: header lines and the two-letter status column.
    if (/^(Desired=|\||\+\+\+-)/.test(line)) continue;
    const listed = /^([a-z][a-zA-Z])[ R]\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
    if (listed && !line.includes('\t')) {
      if (listed[1] !== 'ii' && listed[1] !== 'hi') continue; // not installed / config files only
      out.push(fromColumns([listed[2]!, listed[3]!, listed[4]!], lineNo));
      continue;
    }
    const cols = line.split('\t');
    if (cols.length < 2) {
      throw new DepotError(
        'BAD_INPUT',
        `line ${lineNo}: expected "package<TAB>version" (dpkg-query -W -f='\${Package}\\t\${Version}\\n'), got "${line.slice(0, 80)}"`,
      );
    }
    out.push(
      fromColumns(
        cols.map((c) => c.trim()),
        lineNo,
      ),
    );
  }
  return out;
};
