/**
 * The apt and dpkg command lines deployment runs on a Debian-family host, as argument vectors for
 * runAsRoot (so a sudoers rule for /usr/bin/apt-get covers them). Every one is non-interactive and
 * keeps the admin's changed config files; every download goes through the appliance's cache.
 */
import type { PackageUpgrade } from '../ports.js';

export const APT_GET = '/usr/bin/apt-get';
export const DPKG = '/usr/bin/dpkg';
export const REBOOT = '/sbin/reboot';

/** apt waits this long for another apt or dpkg to let go of the lock (DPkg::Lock::Timeout). */
export const DEFAULT_LOCK_TIMEOUT_SEC = 300;

export interface AptSettings {
  /** The appliance cache as the host reaches it, e.g. `http://10.0.0.2:3142/`; absent = direct. */
  proxyUrl?: string | undefined;
  lockTimeoutSec?: number | undefined;
}

/** debconf and ucf ask nothing; messages stay in the C locale the parsers read. */
export const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' } as const;

const NAME = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$/;
const VERSION = /^[A-Za-z0-9.+~:-]+$/;

/** `name=version` words, refusing anything apt could read as an option or a pattern. */
export const pinnedPackages = (upgrades: readonly PackageUpgrade[]): string[] => {
  if (upgrades.length === 0) throw new Error('no packages to upgrade');
  return upgrades.map((u) => {
    if (!NAME.test(u.name)) throw new Error(`not a Debian package name: ${JSON.stringify(u.name)}`);
    if (!VERSION.test(u.version)) throw new Error(`not a Debian version: ${JSON.stringify(u.version)}`);
    return `${u.name}=${u.version}`;
  });
};

/** The options every apt-get run gets: conffile policy, the lock wait and the proxy. */
export const aptOptions = (s: AptSettings): string[] => {
  const lock = s.lockTimeoutSec ?? DEFAULT_LOCK_TIMEOUT_SEC;
  if (!Number.isInteger(lock) || lock < 0) throw new Error(`lock timeout ${lock}: whole seconds`);
  const opts = [
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
    '-o',
    `DPkg::Lock::Timeout=${lock}`,
  ];
  if (s.proxyUrl !== undefined) opts.push('-o', `Acquire::http::Proxy=${proxyOption(s.proxyUrl)}`);
  return opts;
};

/** An http:// URL with nothing a package tool's option parser could trip on (apt, dnf, apk). */
export const proxyOption = (url: string): string => {
  const u = new URL(url);
  if (u.protocol !== 'http:' || u.username || u.password || /[\s"';]/.test(url)) {
    throw new Error(`proxy URL ${url}: expected http://HOST:PORT/`);
  }
  return u.href;
};

const transaction = (mode: '-s' | '-y', upgrades: readonly PackageUpgrade[], s: AptSettings): string[] => [
  APT_GET,
  mode,
  ...aptOptions(s),
  'install',
  '--only-upgrade',
  ...pinnedPackages(upgrades),
];

export const aptCommands = {
  update: (s: AptSettings) => [APT_GET, '-q', ...aptOptions(s), 'update'],
  /** The transaction under `-s` (simulate: changes nothing) or `-y` (assume yes). */
  simulate: (upgrades: readonly PackageUpgrade[], s: AptSettings) => transaction('-s', upgrades, s),
  install: (upgrades: readonly PackageUpgrade[], s: AptSettings) => transaction('-y', upgrades, s),
  recover: [DPKG, '--force-confdef', '--force-confold', '--configure', '-a'],
  reboot: [REBOOT],
} as const;

/** Read-only checks, run as the login user (dpkg's database and df need no root). */
export const aptChecks = {
  audit: 'LC_ALL=C dpkg --audit',
  freeSpace: 'LC_ALL=C df -Pk /var/cache/apt/archives',
} as const;

/** The file "onboard this host" writes: every apt run on the host then fetches through the cache. */
export const onboardFile = (name: string, proxyUrl: string): { path: string; content: string } => {
  if (!/^[0-9A-Za-z_-]+$/.test(name))
    throw new Error(`apt.conf.d file name ${name}: letters, digits, - and _`);
  return {
    path: `/etc/apt/apt.conf.d/${name}`,
    content: `// Written by Patch Depot ("onboard this host"): apt fetches through the site's package cache.\nAcquire::http::Proxy "${proxyOption(proxyUrl)}";\n`,
  };
};
