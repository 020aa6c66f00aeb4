/**
 * rpm output -> installed packages. Two formats:
 *   the collector's query format NAME\tEPOCHNUM:VERSION-RELEASE\tARCH\tSOURCERPM
 *   plain `rpm -qa` NEVRA lines (openssl-libs-3.0.7-27.el9.x86_64)
 * The source package name comes from SOURCERPM (openssl-3.0.7-27.el9.src.rpm), which is what
 * errata and OSV records name.
 */
import { DepotError } from '../errors.js';
import type { InstalledPackage } from './types.js';

const ARCHES = /^(noarch|x86_64|i[3-6]86|aarch64|armv7hl|armv7l|ppc64le|ppc64|s390x|riscv64|src|\(none\))$/;

/** name-version-release[.arch][.src.rpm] -> parts, splitting on the last two hyphens. */
const splitNvr = (s: string): { name: string; version: string; release: string } | undefined => {
  const r = s.lastIndexOf('-');
  const v = r > 0 ? s.lastIndexOf('-', r - 1) : -1;
  if (v <= 0) return undefined;
  return { name: s.slice(0, v), version: s.slice(v + 1, r), release: s.slice(r + 1) };
};

const sourceOf = (srpm: string): { name: string; evr: string } | undefined => {
  if (!srpm.endsWith('.src.rpm')) return undefined;
  const nvr = splitNvr(srpm.slice(0, -'.src.rpm'.length));
  return nvr ? { name: nvr.name, evr: `${nvr.version}-${nvr.release}` } : undefined;
};

export const parseRpmQuery = (text: string): InstalledPackage[] => {
  const out: InstalledPackage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const lineNo = i + 1;
    const cols = line.split('\t');
    if (cols.length >= 2) {
      const [name, evr, arch, srpm] = cols as [string, string, string?, string?];
      // EPOCHNUM prints 0 for "no epoch"; rpm compares those equal, so drop it for display.
      const version = evr.replace(/^0:/, '');
      if (!name || !/^[^\s:]+$/.test(name) || !/^(\d+:)?[^\s-]+-[^\s-]+$/.test(version)) {
        throw new DepotError(
          'BAD_INPUT',
          `line ${lineNo}: expected NAME<TAB>EPOCH:VERSION-RELEASE, got "${line.slice(0, 80)}"`,
        );
      }
      const pkg: InstalledPackage = { name, version };
      if (arch && arch !== '(none)') pkg.arch = arch;
      const src = srpm ? sourceOf(srpm) : undefined;
      if (src && src.name !== name) pkg.source = src.name;
      const epoch = /^(\d+):/.exec(version)?.[0] ?? '';
      if (src && `${epoch}${src.evr}` !== version) pkg.sourceVersion = `${epoch}${src.evr}`;
      out.push(pkg);
      continue;
    }
    // NEVRA: strip .arch when it is a known architecture, then split N-V-R.
    const dot = line.lastIndexOf('.');
    const arch = dot > 0 && ARCHES.test(line.slice(dot + 1)) ? line.slice(dot + 1) : undefined;
    const nvr = splitNvr(arch ? line.slice(0, dot) : line);
    if (!nvr)
      throw new DepotError(
        'BAD_INPUT',
        `line ${lineNo}: not an rpm name-version-release: "${line.slice(0, 80)}"`,
      );
    out.push({ name: nvr.name, version: `${nvr.version}-${nvr.release}`, ...(arch ? { arch } : {}) });
  }
  return out;
};
