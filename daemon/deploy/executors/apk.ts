/**
 * apk (Alpine): `apk add -u pkg=version` (and `-s` for the dry run), the lines apk prints per
 * package as PackageActions, and failures as StepFailure kinds. apk reads the proxy from the
 * environment (HTTP_PROXY), so it goes on sudo's command line like DEBIAN_FRONTEND for apt.
 * Formats: test/fixtures/deploy/apk.
 */
import type { PackageAction, PackageUpgrade, StepFailure, StepRecord } from '../ports.js';
import { classifyByRules, type FailureRule } from './failure-rules.js';

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
} as const;

/** What apk needs in its environment to fetch through the cache. */
export const apkEnv = (proxyUrl: string | undefined): Record<string, string> =>
  proxyUrl ? { HTTP_PROXY: new URL(proxyUrl).href, LC_ALL: 'C' } : { LC_ALL: 'C' };

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
