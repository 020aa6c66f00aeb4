/**
 * The CLI as a technician meets it, as real processes: a typo gets a suggestion and exit 2, every
 * missing required option is named, a mistake (a missing file, a bad bundle or feed, an unusable
 * data directory) is one line without a stack trace unless --debug asks for it, a bad config.json
 * is exit 78, and a data directory nobody chose is never silently used for the appliance key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataDirLock } from '../../../daemon/store/data-dir-lock.js';
import { tempDir } from '../../temp-dir.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fx = (p: string) => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
/** The environment without any setting of the caller's: the test says what the CLI sees. */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PATCH_DEPOT_') && k !== 'STATE_DIRECTORY'),
  );

const cli = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const r = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(root, 'daemon/main.ts'), ...args],
    {
      cwd: opts.cwd ?? root,
      encoding: 'utf8',
      env: { ...cleanEnv(), TSX_TSCONFIG_PATH: join(root, 'tsconfig.json'), ...opts.env },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const STACK = /\n\s+at /;
const oneLine = (stderr: string): string => {
  assert.doesNotMatch(stderr, STACK, `no stack trace:\n${stderr}`);
  assert.equal(stderr.trimEnd().split('\n').length, 1, `one line:\n${stderr}`);
  return stderr.trimEnd();
};

test('an unknown option is named with the nearest one, exit 2, and nothing runs', () => {
  const r = cli(['discover', '--scope', '127.0.0.1', '--exlude', '127.0.0.2']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr.split('\n')[0],
    'patch-depot discover: unknown option --exlude; did you mean --exclude?',
  );
  assert.match(r.stderr, /\nUsage: patch-depot discover --scope CIDR\|RANGE\|IP /);
  assert.match(r.stderr, /Run `patch-depot discover --help` for options, defaults and examples\./);
  assert.equal(r.stdout, '', 'no scan ran');
  const sub = cli(['catalog', 'statsu']);
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /^patch-depot catalog: unknown subcommand "statsu"; did you mean status\?/);
});

test('a --scope that is no address, range or CIDR is a usage mistake: exit 2, nothing sent', () => {
  const r = cli(['discover', '--scope', '10.0.0.0/99']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stderr.split('\n')[0],
    'patch-depot discover: "10.0.0.0/99": the prefix length after / must be 0-32',
  );
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal(r.stdout, '', 'no scan ran');
});

test('missing required options are named one by one, exit 2', () => {
  const r = cli(['catalog', 'bundle', '--out', 'never.zip']);
  assert.equal(r.code, 2);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('patch-depot catalog bundle: '));
  assert.deepEqual(
    lines.map((l) => /: (missing \S+ \S+):/.exec(l)?.[1]),
    ['missing --key FILE', 'missing --sequence N', 'missing --feed ID=PATH'],
  );
  assert.ok(!existsSync(join(root, 'never.zip')));
});

test('a missing file is one line with no stack; --debug shows the stack', async (t) => {
  const data = await tempDir(t);
  writeFileSync(join(data, 'state.json'), '{}');
  const missing = join(data, 'no-such-bundle.zip');
  const r = cli(['catalog', 'import', '--bundle', missing, '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.equal(
    oneLine(r.stderr),
    `patch-depot catalog import: --bundle ${missing}: no such file or directory`,
  );
  const debug = cli(['catalog', 'import', '--bundle', missing, '--data-dir', data, '--debug']);
  assert.equal(debug.code, 1);
  assert.ok(debug.stderr.startsWith(`patch-depot catalog import: --bundle ${missing}: no such file`));
  assert.match(debug.stderr, STACK, 'the trace, for a bug report');
  assert.match(debug.stderr, /caused by: Error: ENOENT/);
});

test('a bad bundle, a bad feed file and an unusable data directory are one line each', async (t) => {
  const dir = await tempDir(t);
  const bundle = join(dir, 'bundle.zip');
  writeFileSync(bundle, 'not a zip at all');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'state.json'), '{}');
  const bad = cli(['catalog', 'import', '--bundle', bundle, '--data-dir', join(dir, 'data')]);
  assert.equal(bad.code, 1);
  assert.match(oneLine(bad.stderr), /^patch-depot catalog import: bundle: not a readable zip/);
  const feed = cli([
    ...['assess', '--inventory', fx('assess/dpkg-query-2col.txt'), '--os-release'],
    ...[fx('assess/os-release-debian12'), '--feed', fx('assess/os-release-debian12')],
  ]);
  assert.equal(feed.code, 1);
  assert.match(oneLine(feed.stderr), /os-release-debian12: Debian security tracker: not valid JSON/);
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const notDir = cli(['catalog', 'status', '--data-dir', file]);
  assert.equal(notDir.code, 2);
  assert.match(notDir.stderr, /^patch-depot catalog status: .*a-file is not a Patch Depot data directory/);
  assert.doesNotMatch(notDir.stderr, STACK);
});

/** Why the CLI cannot be run as an unprivileged user here (for a data directory it may not read). */
const noUnprivilegedRun = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'needs root to run the CLI as nobody';
  const r = spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', join(root, 'daemon/main.ts')]);
  return r.status === 0 ? undefined : 'nobody cannot read the checkout';
};

test('a data directory the user may not read is one line, no stack', {
  skip: noUnprivilegedRun(),
}, async (t) => {
  const data = join(await tempDir(t), 'data');
  mkdirSync(join(data, 'catalog'), { recursive: true, mode: 0o700 });
  chmodSync(join(data, '..'), 0o755);
  const r = spawnSync(
    'runuser',
    [
      ...['-u', 'nobody', '--', 'env', `TSX_TSCONFIG_PATH=${join(root, 'tsconfig.json')}`, 'HOME=/tmp'],
      ...[process.execPath, '--import', import.meta.resolve('tsx'), join(root, 'daemon/main.ts')],
      ...['catalog', 'status', '--data-dir', data],
    ],
    { encoding: 'utf8', cwd: '/tmp', env: cleanEnv() },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.equal(
    oneLine(r.stderr),
    `patch-depot catalog status: ${data}/catalog/feeds: permission denied (run as root?)`,
  );
});

test('a bad config.json exits 78 naming the file and the place', async (t) => {
  const data = await tempDir(t);
  writeFileSync(join(data, 'config.json'), '{\n  "http": {"port": 8080,}\n}\n');
  const json = cli(['catalog', 'status', '--data-dir', data]);
  assert.equal(json.code, 78);
  assert.match(oneLine(json.stderr), /config\.json: cannot read as JSON: .*\(line 2, column 25\)$/);
  writeFileSync(join(data, 'config.json'), '{"http": {"port": "eighty"}}');
  const value = cli(['catalog', 'status', '--data-dir', data]);
  assert.equal(value.code, 78);
  assert.match(value.stderr, /http\.port: .*expected number/);
  assert.doesNotMatch(value.stderr, STACK);
  const gone = cli(['catalog', 'status', '--config', join(data, 'nope.json')]);
  assert.equal(gone.code, 78);
  assert.match(oneLine(gone.stderr), /nope\.json: cannot read: no such file or directory$/);
});

test('catalog status with no feeds says so and how to add one', async (t) => {
  const data = await tempDir(t);
  writeFileSync(join(data, 'state.json'), '{}');
  const r = cli(['catalog', 'status', '--data-dir', data]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^no feeds: none is configured and no offline bundle has been imported\./);
  assert.match(r.stdout, /catalog\.feeds in .*config\.json/);
  assert.equal(r.stderr, '', 'no log lines for a one-shot command');
});

/** Every command that works on the daemon's state, with arguments that would otherwise run it. */
const STATE_COMMANDS = [
  ['inventory', '--public-key'],
  ['inventory', '--host', '127.0.0.1', '--port', '1'],
  ['catalog', 'status'],
  ['catalog', 'sync'],
  ['catalog', 'import', '--bundle', fx('feeds/none.zip')],
  ['deploy', 'plan', '--advisory', 'DSA-1'],
  ['deploy', 'status'],
  ['deploy', 'run', 'dep-x', '--now'],
  ['admin', 'accounts'],
  ['admin', 'reset-password'],
  ['backup', '--out', '/dev/null'],
  ['setup-code'],
];

test('a command on the state, given a directory that is not a data directory, says so: exit 2, nothing made', async (t) => {
  const base = await tempDir(t);
  const notData = join(base, 'home');
  mkdirSync(notData);
  writeFileSync(join(notData, 'notes.txt'), 'mine');
  const missing = join(base, 'typo');
  for (const args of STATE_COMMANDS) {
    const label = args.join(' ');
    const r = cli([...args, '--data-dir', notData], {
      env: { PATCH_DEPOT_BACKUP_PASSPHRASE: 'x'.repeat(16) },
    });
    assert.equal(r.code, 2, `${label}: ${r.stderr}`);
    assert.equal(r.stdout, '', label);
    assert.match(
      r.stderr,
      new RegExp(
        `${notData} is not a Patch Depot data directory \\(it has no state\\.json\\): give the daemon's with --data-dir DIR`,
      ),
      label,
    );
    assert.doesNotMatch(r.stderr, STACK, label);
    assert.deepEqual(readdirSync(notData), ['notes.txt'], `${label}: nothing made there`);
    // A key for a data directory being prepared (the lab's hosts trust it before the first start).
    if (args.includes('--public-key')) continue;
    const typo = cli([...args, '--data-dir', missing]);
    assert.equal(typo.code, 2, `${label}: ${typo.stderr}`);
    assert.match(typo.stderr, new RegExp(`the data directory ${missing} does not exist`), label);
    assert.equal(existsSync(missing), false, `${label}: nothing made`);
  }
});

test('inventory --public-key never makes a key in a data directory nobody chose', async (t) => {
  const cwd = await tempDir(t);
  const implicit = cli(['inventory', '--public-key'], { cwd });
  assert.equal(implicit.code, 2);
  assert.match(
    implicit.stderr,
    /which data directory\? give the daemon's with --data-dir DIR or PATCH_DEPOT_DATA_DIR/,
  );
  assert.ok(!existsSync(join(cwd, '.data')), 'nothing written in the current directory');
  const daemonDir = join(cwd, 'daemon-data');
  mkdirSync(daemonDir);
  writeFileSync(join(daemonDir, 'state.json'), '{}');
  const viaEnv = cli(['inventory', '--public-key'], { cwd, env: { PATCH_DEPOT_DATA_DIR: daemonDir } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /^ssh-ed25519 AAAA/);
  assert.ok(existsSync(join(daemonDir, 'inventory/ssh/id_ed25519')));
  // A ./.data that already holds the appliance key (a checkout's daemon) is used, and named.
  mkdirSync(join(cwd, '.data'));
  writeFileSync(join(cwd, '.data', 'state.json'), '{}');
  const key = cli(['inventory', '--public-key', '--data-dir', join(cwd, '.data')], { cwd });
  assert.equal(key.code, 0, key.stderr);
  const named = cli(['inventory', '--public-key'], { cwd });
  assert.equal(named.code, 0, named.stderr);
  assert.equal(named.stdout, key.stdout);
  assert.match(
    named.stderr,
    /using .*\/\.data of the current directory \(--data-dir or PATCH_DEPOT_DATA_DIR to choose\)/,
  );
});

test('--help of a command shows its options with defaults and examples', () => {
  const r = cli(['discover', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^patch-depot discover: one-shot network scan/);
  assert.match(r.stdout, /--exclude CIDR\|RANGE\|IP +addresses never touched \(repeatable; default: none\)/);
  assert.match(r.stdout, /\nExamples:\n {2}patch-depot discover --scope 192\.168\.1\.0\/24/);
});

test('scripts/quickstart --help prints its usage, and the README documents every option of it', () => {
  const quickstart = (...args: string[]) =>
    spawnSync('bash', [join(root, 'scripts/quickstart'), ...args], { encoding: 'utf8', env: cleanEnv() });
  const help = quickstart('--help');
  assert.equal(help.status, 0);
  assert.match(
    help.stdout,
    /^Usage: scripts\/quickstart \[--port N\] \[--data-dir DIR\] \[--lab \[--lab-name NAME\]\]\n/,
  );
  assert.doesNotMatch(help.stdout, /set -euo|dirname|#/, 'usage, not the script');
  const options = [...help.stdout.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!);
  assert.deepEqual(options, ['--port', '--data-dir', '--lab', '--lab-name']);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const o of options)
    assert.match(readme, new RegExp(`\`${o}[ \`]`), `the README documents quickstart ${o}`);
  assert.match(readme, /\*\*Where `config\.json` lives\.\*\*/);
  const bad = quickstart('--lab-nmae', 'x');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^quickstart: unknown option --lab-nmae\nUsage: /);
});

test("inventory --public-key prints the running daemon's key; collecting still waits for the daemon to stop", async (t) => {
  const data = await tempDir(t);
  writeFileSync(join(data, 'state.json'), '{}');
  const made = cli(['inventory', '--public-key', '--data-dir', data]);
  assert.equal(made.code, 0, made.stderr);
  const lock = await DataDirLock.acquire(data, 'serve');
  t.after(() => lock.release());
  // The appliance's daemon always runs: its key is read without the lock (was "in use by ... serve").
  const key = cli(['inventory', '--public-key', '--data-dir', data]);
  assert.equal(key.code, 0, key.stderr);
  assert.equal(key.stdout, made.stdout);
  const collect = cli(['inventory', '--host', '127.0.0.1', '--port', '1', '--data-dir', data]);
  assert.equal(collect.code, 1);
  assert.match(collect.stderr, /is in use by patch-depot serve .*Inventory → Collect now/);
});

test('inventory --public-key prepares a data directory holding only its config.json (before the first start)', async (t) => {
  const data = join(await tempDir(t), 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'config.json'), '{}');
  const r = cli(['inventory', '--public-key', '--data-dir', data]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ssh-ed25519 AAAA/);
  // Again, once the key is there: the same key.
  assert.equal(cli(['inventory', '--public-key', '--data-dir', data]).stdout, r.stdout);
});
