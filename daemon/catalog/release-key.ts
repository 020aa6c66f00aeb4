/**
 * Feeds and hosts name distribution releases differently: the Debian tracker says `bookworm`,
 * OSV says `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`; os-release says ID=debian
 * VERSION_ID=12 VERSION_CODENAME=bookworm. Everything is mapped onto one key per release:
 * `debian:<codename>`, `ubuntu:<version>`, `alpine:<major.minor>`, `rocky:<major>` (and the other
 * Enterprise Linux rebuilds), `<id>:<version>` otherwise.
 */
import type { OsRelease } from '../platform.js';

const DEBIAN_CODENAMES: Record<string, string> = {
  '8': 'jessie',
  '9': 'stretch',
  '10': 'buster',
  '11': 'bullseye',
  '12': 'bookworm',
  '13': 'trixie',
  '14': 'forky',
  '15': 'duke',
};

/** Codename -> release number, for labels ("Debian 12 (bookworm)"). */
const DEBIAN_NUMBERS = new Map(Object.entries(DEBIAN_CODENAMES).map(([n, c]) => [c, n]));

const RPM_MAJOR_ONLY = new Set(['rhel', 'rocky', 'almalinux', 'centos', 'ol']);

export const releaseKeyFor = (os: OsRelease): string => {
  const id = os.id.toLowerCase();
  if (id === 'debian' || id === 'raspbian') {
    const codename = os.codename || DEBIAN_CODENAMES[os.versionId.split('.')[0] ?? ''] || 'sid';
    return `debian:${codename}`;
  }
  if (id === 'ubuntu') return `ubuntu:${os.versionId}`;
  if (id === 'alpine') return `alpine:${os.versionId.split('.').slice(0, 2).join('.')}`;
  // Enterprise Linux errata apply to a major release (9.4 gets 9's fixes).
  if (RPM_MAJOR_ONLY.has(id)) return `${id}:${os.versionId.split('.')[0]}`;
  return `${id}:${os.versionId || os.codename}`;
};

const FAMILY_NAMES: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  alpine: 'Alpine',
  rhel: 'RHEL',
  rocky: 'Rocky Linux',
  almalinux: 'AlmaLinux',
  centos: 'CentOS',
  ol: 'Oracle Linux',
};

/**
 * A release key as people read it: `debian:bookworm` is "Debian 12 (bookworm)", `ubuntu:22.04`
 * "Ubuntu 22.04", `rocky:9` "Rocky Linux 9"; a key of another family shows as it is.
 */
export const releaseLabel = (key: string): string => {
  const at = key.indexOf(':');
  const family = FAMILY_NAMES[key.slice(0, at)];
  if (at < 0 || !family) return key;
  const version = key.slice(at + 1);
  if (key.startsWith('debian:')) {
    const number = DEBIAN_NUMBERS.get(version);
    return number ? `${family} ${number} (${version})` : `${family} ${version}`;
  }
  return `${family} ${version}`;
};

/** Debian tracker release names (`bookworm`) -> key. */
export const debianTrackerRelease = (name: string): string => `debian:${name}`;

/**
 * OSV ecosystem strings -> [key, ecosystem], or undefined for ecosystems we do not assess
 * (PyPI, npm, Ubuntu Pro streams...). Ubuntu's `:LTS` and Alpine's `v` are dropped.
 */
export const osvEcosystemRelease = (
  ecosystem: string,
): { release: string; rules: 'dpkg' | 'apk' | 'rpm' } | undefined => {
  const [family, ...rest] = ecosystem.split(':');
  switch (family) {
    case 'Debian': {
      const v = rest[0] ?? '';
      const codename = DEBIAN_CODENAMES[v];
      return codename ? { release: `debian:${codename}`, rules: 'dpkg' } : undefined;
    }
    case 'Ubuntu': {
      if (rest[0] === 'Pro' || rest.length === 0) return undefined;
      return { release: `ubuntu:${rest[0]}`, rules: 'dpkg' };
    }
    case 'Alpine': {
      const v = rest[0]?.replace(/^v/, '');
      return v ? { release: `alpine:${v}`, rules: 'apk' } : undefined;
    }
    // Enterprise Linux rebuilds name binary RPMs with version-release (AlmaLinux:9, Rocky Linux:9).
    case 'AlmaLinux':
      return /^\d+$/.test(rest[0] ?? '') ? { release: `almalinux:${rest[0]}`, rules: 'rpm' } : undefined;
    case 'Rocky Linux':
      return /^\d+$/.test(rest[0] ?? '') ? { release: `rocky:${rest[0]}`, rules: 'rpm' } : undefined;
    default:
      return undefined;
  }
};
