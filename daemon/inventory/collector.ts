/**
 * Collects one host's inventory over an open RemoteSession: os-release, the running kernel, the
 * installed packages from the host's own package manager, and whether a reboot is pending. Only
 * read-only commands that need no root. Every command has a timeout and an output cap; a command
 * that fails says which one and why.
 */

import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Ecosystem, OsRelease } from '../platform.js';
import type { ExecLimits, ExecResult, RemoteSession } from '../remote/ports.js';
import { RemoteError } from '../remote/remote-error.js';
import { shellQuote } from '../remote/shell-quote.js';
import { parseOsReleaseFields } from './parse-os-release.js';
import { bundle } from './script-bundle.js';
import type { HostInventory, InstalledPackage } from './types.js';
import { hostInventorySchema } from './types.js';

/** Turn raw command output into inventory parts (the parse-*.ts files). */
export interface InventoryParsers {
  osRelease(text: string): OsRelease;
  dpkg(text: string): InstalledPackage[];
  rpm(text: string): InstalledPackage[];
  apk(text: string): InstalledPackage[];
}

export interface CollectorOptions {
  commandTimeoutMs: number;
  maxOutputBytes: number;
  /** More installed packages than this and the host is refused (`inventory.maxPackages`). */
  maxPackages: number;
  signal?: AbortSignal | undefined;
  /**
   * Read this dpkg database instead of the host's default (dpkg-query --admindir). For hosts
   * whose packages live in a chroot or image, and for the integration tests' own database.
   */
  dpkgAdminDir?: string | undefined;
  clock?: Clock;
}

/**
 * Run `script` through /bin/sh whatever the login shell is (fish, csh...), in the C locale, and
 * under the host's own `timeout` when it has one: sshd ignores signal requests for root logins,
 * so closing the channel alone would leave a command stuck on a lock (rpmdb) running forever.
 */
export const withDeadline = (script: string, seconds: number): string =>
  `LC_ALL=C /bin/sh -c ${shellQuote(
    `if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL ${Math.max(1, Math.ceil(seconds))} /bin/sh -c "$0"; else exec /bin/sh -c "$0"; fi`,
  )} ${shellQuote(script)}`;

/** dpkg-query's own `${Field}` syntax; `\t` and `\n` are expanded by dpkg-query. */
const dpkgFields = (...fields: string[]): string => fields.map((f) => `\${${f}}`).join('\\t');
export const DPKG_FORMAT = `${dpkgFields('Package', 'Version', 'Architecture', 'source:Package', 'source:Version')}\\n`;
// Status first so removed-but-configured packages ("rc") can be dropped before parsing.
const DPKG_STATUS_FORMAT = `${dpkgFields('db:Status-Abbrev')}\\t${DPKG_FORMAT}`;
export const RPM_FORMAT = '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n';

/** The shell scripts run on the host, each through `withDeadline`. */
export const commands = {
  osRelease: 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release',
  kernel: 'uname -r',
  hostname: 'uname -n',
  dpkg: (adminDir?: string) =>
    `dpkg-query${adminDir ? ` --admindir=${shellQuote(adminDir)}` : ''} -W -f='${DPKG_STATUS_FORMAT}'`,
  rpm: `rpm -qa --qf '${RPM_FORMAT}'`,
  // `apk list` also names the origin (source) package, which Alpine's secdb keys on; apk-tools
  // older than 2.10 only have `apk info -v`.
  apk: 'apk list --installed 2>/dev/null || apk info -v',
  /**
   * One line per signal: `file` (Debian/Ubuntu's reboot-required flag), `needs-restarting`
   * (exit 1 = reboot needed on RHEL-likes; 0 = not; anything else = tool missing), `kernel`
   * (the running kernel's modules are gone: the kernel was upgraded since boot). The module
   * check only counts when /lib/modules has other kernels, so containers are not flagged.
   */
  reboot: [
    'if [ -e /run/reboot-required ] || [ -e /var/run/reboot-required ]; then echo file=yes; else echo file=no; fi',
    'if command -v needs-restarting >/dev/null 2>&1; then needs-restarting -r >/dev/null 2>&1; echo needs-restarting=$?; fi',
    'k=$(uname -r); if [ -n "$(ls /lib/modules 2>/dev/null)" ] && [ ! -d "/lib/modules/$k" ]; then echo kernel=yes; else echo kernel=no; fi',
  ].join('; '),
  probe: 'for t in dpkg-query rpm apk; do command -v $t >/dev/null 2>&1 && echo $t; done; true',
} as const;

const FAMILIES: Record<string, Ecosystem> = {
  debian: 'dpkg',
  ubuntu: 'dpkg',
  raspbian: 'dpkg',
  linuxmint: 'dpkg',
  pop: 'dpkg',
  kali: 'dpkg',
  devuan: 'dpkg',
  alpine: 'apk',
  postmarketos: 'apk',
  rhel: 'rpm',
  centos: 'rpm',
  fedora: 'rpm',
  rocky: 'rpm',
  almalinux: 'rpm',
  ol: 'rpm',
  amzn: 'rpm',
  suse: 'rpm',
  sles: 'rpm',
  opensuse: 'rpm',
  'opensuse-leap': 'rpm',
};

/** From os-release ID, then ID_LIKE; undefined when neither names a known family. */
export const ecosystemFromOsRelease = (text: string, id: string): Ecosystem | undefined => {
  const like = parseOsReleaseFields(text).get('ID_LIKE')?.split(/\s+/) ?? [];
  for (const name of [id, ...like]) {
    const family = FAMILIES[name.toLowerCase()];
    if (family) return family;
  }
  return undefined;
};

// dpkg status letters for packages whose files are on disk: installed, half-configured,
// unpacked, half-installed, triggers awaited/pending. Not: n(ot installed), c(onfig files only).
const PRESENT = new Set(['i', 'F', 'U', 'H', 'W', 't']);

/** Drop dpkg-query's leading status column, keeping only packages present on the host. */
export const presentDpkgLines = (text: string): string =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .flatMap((line) => {
      const tab = line.indexOf('\t');
      if (tab < 2) return [];
      return PRESENT.has(line[1]!) ? [line.slice(tab + 1)] : [];
    })
    .map((line) => `${line}\n`)
    .join('');

export const parseRebootSignals = (text: string): boolean => {
  const signals = new Map(
    text
      .split('\n')
      .map((l) => l.trim().split('='))
      .filter((kv): kv is [string, string] => kv.length === 2),
  );
  return (
    signals.get('file') === 'yes' ||
    signals.get('needs-restarting') === '1' ||
    signals.get('kernel') === 'yes'
  );
};

/** Host names as the kernel holds them: letters, digits, `-`, `_` and dots, no more than DNS allows. */
const HOSTNAME_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?$/;

/**
 * The name `uname -n` printed, or undefined when it names nothing useful: a failed command, the
 * kernel's unset `(none)`, `localhost`, or text no host name looks like.
 */
export const reportedHostname = (result: ExecResult | undefined): string | undefined => {
  if (result?.exitCode !== 0) return undefined;
  const name = result.stdout.trim();
  if (!HOSTNAME_RE.test(name) || /^localhost(\.localdomain)?$/i.test(name)) return undefined;
  return name;
};

const firstLine = (text: string): string => text.trim().split('\n')[0]?.slice(0, 300) ?? '';

/** The command's stdout, or a `command` RemoteError saying which command failed and why. */
const check = (what: string, result: ExecResult | undefined): string => {
  if (!result)
    throw new RemoteError('command', `${what}: the host's shell did not run it (is /bin/sh POSIX?)`);
  if (result.exitCode !== 0) {
    const why = firstLine(result.stderr) || firstLine(result.stdout) || 'no output';
    throw new RemoteError(
      'command',
      `${what} failed on the host (${result.exitCode === null ? `killed by ${result.signal ?? 'a signal'}` : `exit ${result.exitCode}`}): ${why}`,
    );
  }
  return result.stdout;
};

/** The small facts in one channel: each exec costs the host a login-shell fork. */
const collectFacts = async (session: RemoteSession, limits: ExecLimits, seconds: number) => {
  const facts = bundle(
    {
      osRelease: commands.osRelease,
      kernel: commands.kernel,
      hostname: commands.hostname,
      reboot: commands.reboot,
      probe: commands.probe,
    },
    seconds,
  );
  const out = await session.exec(`LC_ALL=C /bin/sh -c ${shellQuote(facts.script)}`, {
    ...limits,
    timeoutMs: limits.timeoutMs * 4,
  });
  return facts.parse(check('collecting OS facts', out));
};

/** From os-release, else from which package tool the host has. */
const ecosystemOf = (osText: string, os: OsRelease, probe: ExecResult | undefined): Ecosystem => {
  let ecosystem = ecosystemFromOsRelease(osText, os.id);
  if (!ecosystem) {
    const tools = check('looking for a package manager', probe).split('\n');
    ecosystem = (['dpkg-query', 'apk', 'rpm'] as const)
      .filter((t) => tools.includes(t))
      .map((t): Ecosystem => (t === 'dpkg-query' ? 'dpkg' : t))[0];
  }
  if (!ecosystem) {
    throw new RemoteError(
      'unsupported',
      `${os.prettyName || os.id}: no dpkg, rpm or apk package database found; this host cannot be assessed`,
    );
  }
  return ecosystem;
};

const readPackages = async (
  ecosystem: Ecosystem,
  run: (what: string, command: string) => Promise<string>,
  parsers: InventoryParsers,
  dpkgAdminDir: string | undefined,
): Promise<InstalledPackage[]> => {
  try {
    switch (ecosystem) {
      case 'dpkg':
        return parsers.dpkg(presentDpkgLines(await run('dpkg-query', commands.dpkg(dpkgAdminDir))));
      case 'rpm':
        return parsers.rpm(await run('rpm -qa', commands.rpm));
      case 'apk':
        return parsers.apk(await run('apk info', commands.apk));
    }
  } catch (err) {
    if (err instanceof RemoteError) throw err;
    throw new RemoteError(
      'unsupported',
      `cannot read the ${ecosystem} package list: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
};

export const collectInventory = async (
  session: RemoteSession,
  hostId: string,
  parsers: InventoryParsers,
  opts: CollectorOptions,
): Promise<HostInventory> => {
  const limits: ExecLimits = {
    timeoutMs: opts.commandTimeoutMs,
    maxOutputBytes: opts.maxOutputBytes,
    signal: opts.signal,
  };
  const run = async (what: string, command: string): Promise<string> =>
    check(what, await session.exec(withDeadline(command, opts.commandTimeoutMs / 1000), limits));

  const factsOut = await collectFacts(session, limits, opts.commandTimeoutMs / 1000);
  const osText = check('reading /etc/os-release', factsOut.osRelease);
  let os: OsRelease;
  try {
    os = parsers.osRelease(osText);
  } catch (cause) {
    throw new RemoteError('unsupported', `cannot read the host's os-release: ${(cause as Error).message}`, {
      cause,
    });
  }
  const kernel = check('uname -r', factsOut.kernel).trim();
  const ecosystem = ecosystemOf(osText, os, factsOut.probe);
  const packages = await readPackages(ecosystem, run, parsers, opts.dpkgAdminDir);
  // A real host has a few thousand; hundreds of thousands would cost every page and assessment
  // that reads this host seconds and gigabytes.
  if (packages.length > opts.maxPackages) {
    throw new RemoteError(
      'output-limit',
      `host reported ${packages.length} packages; the limit is ${opts.maxPackages} (inventory.maxPackages)`,
    );
  }
  const rebootRequired = parseRebootSignals(check('checking for a pending reboot', factsOut.reboot));
  const hostname = reportedHostname(factsOut.hostname);

  const inventory: HostInventory = {
    hostId,
    collectedAt: dateOf(opts.clock ?? systemClock).toISOString(),
    os,
    kernel,
    packages,
    ecosystem,
    rebootRequired,
    ...(hostname ? { hostname } : {}),
  };
  const checked = hostInventorySchema.safeParse(inventory);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new RemoteError(
      'unsupported',
      `the host's inventory is malformed at ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return checked.data;
};
