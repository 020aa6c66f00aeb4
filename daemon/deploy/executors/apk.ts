/**
 * apk (Alpine): `apk add -u pkg=version` (and `-s` for the dry run), the lines apk prints per
 * package as PackageActions, and failures as StepFailure kinds. apk reads the proxy from the
 * environment (HTTP_PROXY), so it goes on sudo's command line like DEBIAN_FRONTEND for apt.
 * Formats: test/fixtures/deploy/apk.
 */
import { APK_ROOT_PROGRAMS } from '../../remote/sudo.js';
import type { PackageAction, PackageUpgrade, StepFailure, StepRecord } from '../ports.js';
import { proxyOption } from './apt-commands.js';
import { classifyByRules, type FailureRule } from './failure-rules.js';
import { freeBytesOf, type PackageTool } from './package-executor.js';

export const APK = '/sbin/apk';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const VERSION = /^[0-9][0-9a-z._]*(-r\d+)?$/;

export const apkSpecs = (upgrades: readonly PackageUpgrade[]): string[] =>
  upgrades.map((u) => {
    if (!NAME.test(u.name) || !VERSION.test(u.version))
      throw new Error(`not an apk name and version: ${u.name} ${u.version}`);
    return `${u.name}=${u.version}`;
  });

export const apkCommands = {
  add: (upgrades: readonly PackageUpgrade[], dryRun = false) => [
    APK,
    'add',
    '--no-progress',
    ...(dryRun ? ['-s'] : []),
    '-u',
    ...apkSpecs(upgrades),
  ],
  /** Fetch the repositories' APKINDEX through the cache (apt-get update's counterpart). */
  update: [APK, 'update', '--no-progress'],
  /** Packages whose scripts failed or whose files are missing, reinstalled (`-s`: only listed). */
  fix: (dryRun = false) => [APK, 'fix', '--no-progress', ...(dryRun ? ['-s'] : [])],
  reboot: ['/sbin/reboot'],
  freeSpace: 'LC_ALL=C df -Pk /',
} as const;

/** What apk needs in its environment to fetch through the cache. */
export const apkEnv = (proxyUrl: string | undefined): Record<string, string> =>
  proxyUrl ? { HTTP_PROXY: proxyOption(proxyUrl), LC_ALL: 'C' } : { LC_ALL: 'C' };

const VERBS: Record<string, PackageAction['action']> = {
  Installing: 'install',
  Upgrading: 'upgrade',
  Downgrading: 'downgrade',
  Replacing: 'upgrade',
  Purging: 'remove',
  Deleting: 'remove',
};

// `(2/3) Upgrading busybox (1.36.1-r15 -> 1.36.1-r19)`, `(3/3) Installing libfoo (1.0-r0)`.
const LINE = /^\(\d+\/\d+\) (\w+) (\S+) \((\S+)(?: -> (\S+))?\)/;

export const parseApkChanges = (stdout: string): PackageAction[] =>
  stdout.split('\n').flatMap((line): PackageAction[] => {
    const m = LINE.exec(line);
    const action = m && VERBS[m[1]!];
    if (!m || !action) return [];
    const [, , name = '', first, second] = m;
    if (action === 'remove') return [{ action, name, from: first }];
    if (second === undefined) return [{ action, name, to: first }];
    return [{ action, name, from: first, to: second }];
  });

const RULES: FailureRule[] = [
  [
    /Unable to lock database|Failed to open apk database: temporary error/,
    'transient',
    () => 'the apk database is locked',
  ],
  [/^\s+(\S+) \(no such package\)/m, 'permanent', (m) => `package ${m[1]} is not in the host's repositories`],
  [
    /breaks: world\[([^\]=]+)=([^\]]+)\]/,
    'permanent',
    (m) => `version ${m[2]} of ${m[1]} is not in the host's repositories`,
  ],
  [
    /ERROR: (\S+)\.(pre|post)-(install|upgrade|deinstall): script exited with error (\d+)/,
    'permanent',
    (m) => `the ${m[2]}-${m[3]} script of ${m[1]} failed (exit ${m[4]})`,
  ],
  [
    /(?:temporary error|network error|DNS lookup error|could not connect)[^\n]*/i,
    'transient',
    (m) => `downloading failed: ${m[0].slice(0, 300)}`,
  ],
];

export const classifyApkFailure = (record: StepRecord): StepFailure =>
  classifyByRules(record, RULES, /^ERROR: (.+)$/m);

/** apk's closing line counts the packages in error (`2 errors; 12 MiB in 40 packages`). */
export const apkErrors = (stdout: string): number => Number(/^(\d+) errors?;/m.exec(stdout)?.[1] ?? 0);

/**
 * apk as a PackageTool: `apk update` and free space in preflight, `apk fix -s` for packages left
 * in error (then `apk fix` recovers them), pinned `add -u` with `-s` as the dry run.
 */
export const apkTool = (proxyUrl: string | undefined): PackageTool => ({
  programs: APK_ROOT_PROGRAMS,
  env: apkEnv(proxyUrl),
  async preflight(steps) {
    const refresh = await steps.root('preflight: apk update', apkCommands.update);
    const df = await steps.plain('preflight: free space', apkCommands.freeSpace);
    const freeBytes = freeBytesOf(df);
    const fix = await steps.rootAny('preflight: apk fix -s', apkCommands.fix(true));
    return { steps: [refresh, df, fix], freeBytes, broken: apkErrors(fix.stdout + fix.stderr) > 0 };
  },
  simulate: (change) => apkCommands.add(change.upgrades, true),
  parseActions: parseApkChanges,
  install: (change) => apkCommands.add(change.upgrades),
  recover: apkCommands.fix(),
  reboot: apkCommands.reboot,
  classify: classifyApkFailure,
});
