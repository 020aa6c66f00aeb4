/**
 * apk output -> installed packages. Two formats:
 *   `apk info -v`            musl-1.2.4-r2
 *   `apk list --installed`   musl-1.2.4-r2 x86_64 {musl} (MIT) [installed]
 * The second also names the origin (source) package, which Alpine's secdb and OSV key on.
 */
import { isValidApkVersion } from '../catalog/versions/apk-version.js';
import { DepotError } from '../errors.js';
import type { InstalledPackage } from './types.js';

/** Split name-version where the version is the last two hyphen parts (`1.2.4-r2`). */
const splitNameVersion = (s: string): { name: string; version: string } | undefined => {
  const m = /^(.+?)-(\d[^-]*-r\d+)$/.exec(s);
  if (!m || !isValidApkVersion(m[2]!)) return undefined;
  return { name: m[1]!, version: m[2]! };
};

export const parseApkList = (text: string): InstalledPackage[] => {
  const out: InstalledPackage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('WARNING:')) continue;
    const [first, arch, origin] = line.split(/\s+/) as [string, string?, string?];
    const nv = splitNameVersion(first);
    if (!nv)
      throw new DepotError('BAD_INPUT', `line ${i + 1}: not an apk name-version-rN: "${line.slice(0, 80)}"`);
    const pkg: InstalledPackage = { ...nv };
    if (arch && /^[a-z0-9_]+$/.test(arch)) pkg.arch = arch;
    const src = origin && /^\{(.+)\}$/.exec(origin)?.[1];
    if (src && src !== nv.name) pkg.source = src;
    out.push(pkg);
  }
  return out;
};
