/**
 * dnf (RHEL, Rocky, Alma, Fedora): the command lines (an advisory's minimal upgrade, or pinned
 * `name-version` upgrades; the same under --assumeno as the dry run), the transaction table dnf
 * prints as PackageActions, and failures as StepFailure kinds. Formats: test/fixtures/deploy/dnf.
 */
import { RPM_ROOT_PROGRAMS } from '../../remote/sudo.js';
import type { PackageAction, PackageUpgrade, StepFailure, StepRecord } from '../ports.js';
import { proxyOption } from './apt-commands.js';
import { classifyByRules, type FailureRule } from './failure-rules.js';
import { freeBytesOf, type PackageTool } from './package-executor.js';

export const DNF = '/usr/bin/dnf';

export interface DnfSettings {
  proxyUrl?: string | undefined;
}

const ADVISORY = /^[A-Z][A-Z0-9]*-\d{4}:\d+$|^FEDORA-\d{4}-[0-9a-f]+$|^[A-Z]+SA-\d{4}:\d+$/;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const EVR = /^(\d+:)?[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+$/;

/**
 * On every transaction: `--best`, so a pinned version dnf cannot install is an error, not a
 * "Skipping packages with broken dependencies ... Nothing to do" that exits 0 (dnf's default where
 * best=False); a repository that cannot be fetched fails the command instead of being skipped;
 * and the cache as this one command's proxy (nothing on the host changes).
 */
const options = (s: DnfSettings): string[] => [
  '--best',
  '--setopt=skip_if_unavailable=False',
  ...(s.proxyUrl ? [`--setopt=proxy=${proxyOption(s.proxyUrl)}`] : []),
];

/** `name-version-release` (no epoch: dnf reads `name-epoch:version-release` too, but not as a spec). */
export const rpmSpecs = (upgrades: readonly PackageUpgrade[]): string[] =>
  upgrades.map((u) => {
    if (!NAME.test(u.name) || !EVR.test(u.version))
      throw new Error(`not an rpm name and version: ${u.name} ${u.version}`);
    return `${u.name}-${u.version.replace(/^\d+:/, '')}`;
  });

export const dnfCommands = {
  /** Each advisory's fix at the lowest version that closes it (`upgrade-minimal --advisory=`). */
  advisories: (ids: readonly string[], s: DnfSettings, dryRun = false) => {
    for (const id of ids) if (!ADVISORY.test(id)) throw new Error(`not an advisory id: ${id}`);
    if (ids.length === 0) throw new Error('no advisories');
    return [
      DNF,
      dryRun ? '--assumeno' : '-y',
      ...options(s),
      'upgrade-minimal',
      ...ids.map((id) => `--advisory=${id}`),
    ];
  },
  upgrade: (upgrades: readonly PackageUpgrade[], s: DnfSettings, dryRun = false) => [
    DNF,
    dryRun ? '--assumeno' : '-y',
    ...options(s),
    'upgrade',
    ...rpmSpecs(upgrades),
  ],
  /** Refresh the repositories' metadata through the cache (apt-get update's counterpart). */
  makecache: (s: DnfSettings) => [DNF, '-y', ...options(s), 'makecache'],
  /** Exit 1 and one line per pair when an interrupted transaction left two versions installed. */
  duplicates: [DNF, '-y', 'check', '--duplicates'],
  /** What an interrupted rpm transaction leaves to clean up: the older of each duplicate pair. */
  recover: [DNF, '-y', 'remove', '--duplicates'],
  reboot: ['/sbin/reboot'],
  /** Exit 1: a reboot is needed (dnf-utils / dnf-plugins-core), read by reboot.ts. */
  needsRestarting: 'needs-restarting -r',
  freeSpace: 'LC_ALL=C df -Pk /var/cache/dnf',
} as const;

const SECTIONS: Record<string, PackageAction['action']> = {
  Installing: 'install',
  'Installing dependencies': 'install',
  'Installing weak dependencies': 'install',
  Upgrading: 'upgrade',
  Downgrading: 'downgrade',
  Removing: 'remove',
  'Removing dependent packages': 'remove',
  'Removing unused dependencies': 'remove',
};

/**
 * The transaction table: section headers (`Upgrading:`), then ` name arch version repo size unit`
 * rows of six words; dnf wraps a long name (or version) onto the next line, so a short row is
 * joined with the lines after it.
 */
export const parseDnfTransaction = (stdout: string): PackageAction[] => {
  const actions: PackageAction[] = [];
  let section: PackageAction['action'] | undefined;
  let words: string[] = [];
  for (const line of stdout.split('\n')) {
    const header = /^([A-Z][A-Za-z ]+):$/.exec(line);
    if (header || !line.startsWith(' ')) {
      if (header || line.trim() !== '') section = header ? SECTIONS[header[1]!] : undefined;
      words = [];
      continue;
    }
    if (!section) continue;
    words.push(...line.trim().split(/\s+/));
    if (words.length < 6) continue;
    const [name = '', , version] = words;
    words = [];
    actions.push(
      section === 'remove'
        ? { action: 'remove', name, from: version }
        : { action: section, name, to: version },
    );
  }
  return actions;
};

const SCRIPTLET = /Error in (PREIN|POSTIN|PREUN|POSTUN|PRETRANS|POSTTRANS) scriptlet in rpm package (\S+)/;

const RULES: FailureRule[] = [
  [
    /Waiting for process with pid (\d+) to finish/,
    'transient',
    (m) => `the rpm database is locked by pid ${m[1]}`,
  ],
  [
    /(?:No match for argument|Unable to find a match): (\S+)/,
    'permanent',
    (m) => `${m[1]} is not in the host's repositories`,
  ],
  [
    /No advisor(?:y|ies) found|Advisory (\S+) not found/,
    'permanent',
    () => "the advisory is not in the host's repositories",
  ],
  [
    /Failed to download metadata for repo '([^']+)'|Curl error \(\d+\)[^\n]*/,
    'transient',
    (m) => `downloading failed: ${m[0].slice(0, 300)}`,
  ],
  [SCRIPTLET, 'permanent', (m) => `the ${m[1]} scriptlet of ${m[2]} failed`],
  [
    /nothing provides (\S+(?: [<>=]+ \S+)?) needed by (\S+)/,
    'permanent',
    (m) => `${m[2]} needs ${m[1]}, which nothing in the host's repositories or installed packages provides`,
  ],
  [
    /Error: Transaction test error|file \S+ conflicts between attempted installs/,
    'permanent',
    () => 'the transaction test failed (conflicting files)',
  ],
];

/** A dry run under --assumeno ends in exit 1 and "Operation aborted.": that is its success. */
export const dnfDryRunSucceeded = (record: StepRecord): boolean =>
  record.exitCode === 0 ||
  (record.exitCode === 1 && /^Operation aborted\.$/m.test(record.stdout + record.stderr));

export const classifyDnfFailure = (record: StepRecord): StepFailure =>
  classifyByRules(record, RULES, /^Error: (.+)$/m);

/** dnf's messages in the C locale the parsers read; dnf asks nothing under -y / --assumeno. */
export const DNF_ENV = { LC_ALL: 'C' } as const;

/**
 * dnf as a PackageTool: pinned `name-version-release` upgrades (the plan's exact fix versions,
 * which re-inventory then verifies), `--assumeno` as the dry run, the metadata refreshed and
 * duplicates looked for in preflight, every download through the cache.
 */
export const dnfTool = (settings: DnfSettings): PackageTool => ({
  programs: RPM_ROOT_PROGRAMS,
  env: DNF_ENV,
  async preflight(steps) {
    const refresh = await steps.root('preflight: dnf makecache', dnfCommands.makecache(settings));
    const df = await steps.plain('preflight: free space', dnfCommands.freeSpace);
    const freeBytes = freeBytesOf(df);
    const dupes = await steps.rootAny('preflight: dnf check --duplicates', dnfCommands.duplicates);
    if (dupes.exitCode !== 0 && dupes.exitCode !== 1) throw classifyDnfFailure(dupes);
    return { steps: [refresh, df, dupes], freeBytes, broken: dupes.exitCode !== 0 };
  },
  simulate: (change) => dnfCommands.upgrade(change.upgrades, settings, true),
  simulated: dnfDryRunSucceeded,
  parseActions: parseDnfTransaction,
  install: (change) => dnfCommands.upgrade(change.upgrades, settings),
  installProblem: (record) =>
    SCRIPTLET.test(`${record.stdout}\n${record.stderr}`) ? classifyDnfFailure(record) : undefined,
  recover: dnfCommands.recover,
  reboot: dnfCommands.reboot,
  classify: classifyDnfFailure,
});
