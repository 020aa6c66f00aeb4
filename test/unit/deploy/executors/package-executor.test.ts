/**
 * The dnf and apk executors (PackageExecutor with dnfTool / apkTool) against a scripted host
 * (test/fakes/inventory-runner.ts): the exact commands sent, through sudo with their variables
 * and the cache proxy; --assumeno's exit 1 as a dry run's success; a removal refused before the
 * install; a failed %post that dnf exits 0 for; preflight and recovery; and package names from a
 * hostile inventory, which never reach a shell: refused before anything is sent, and every word
 * that is sent comes back out of a real /bin/sh exactly as it went in.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { apkTool } from '../../../../daemon/deploy/executors/apk.js';
import { dnfCommands, dnfTool } from '../../../../daemon/deploy/executors/dnf.js';
import { PackageExecutor, type PackageTool } from '../../../../daemon/deploy/executors/package-executor.js';
import { type HostChange, StepFailure } from '../../../../daemon/deploy/ports.js';
import { rootCommand, sudoCommand } from '../../../../daemon/remote/sudo.js';
import { ManualClock } from '../../../fakes/clock.js';
import { type FakeAnswer, FakeRunner, fakeHostKey, ok } from '../../../fakes/inventory-runner.js';

const PROXY = 'http://10.0.0.2:3142/';
const fixture = (path: string): string =>
  readFileSync(new URL(`../../../fixtures/deploy/${path}`, import.meta.url), 'utf8');

const change = (
  upgrades: Array<[string, string]>,
  allowRemove: string[] = [],
  ecosystem: HostChange['ecosystem'] = 'rpm',
): HostChange => ({
  hostId: 'h1',
  ecosystem,
  upgrades: upgrades.map(([name, version]) => ({ name, version, advisories: [] })),
  allowRemove,
});

const setup = (tool: PackageTool, answers: Array<[string, FakeAnswer]>, username = 'deploy') => {
  const runner = new FakeRunner();
  runner.add('10.0.0.5', 22, {
    hostKey: fakeHostKey('h1'),
    logins: { [username]: { privateKey: 'K' } },
    answers,
  });
  const exec = new PackageExecutor(
    {
      open: (signal) =>
        runner.connect(
          { host: '10.0.0.5', port: 22, username, privateKey: 'K', verifyHostKey: async () => {} },
          { timeoutMs: 1000, signal },
        ),
      username,
      label: `${username}@10.0.0.5:22`,
      clock: new ManualClock(),
      commandTimeoutMs: 60_000,
      maxOutputBytes: 1 << 20,
    },
    tool,
  );
  return { runner, exec };
};

const aborted = {
  stdout: fixture('dnf/lab-assumeno-deps.stdout'),
  stderr: 'Operation aborted.\n',
  exitCode: 1,
};
const WEB = change([['pdlab-rweb', '0:2.4-3']]);

test('dnf: --assumeno (exit 1, "Operation aborted.") then -y, through sudo with the proxy on the command', async () => {
  const { runner, exec } = setup(dnfTool({ proxyUrl: PROXY }), [
    ["'--assumeno'", aborted],
    ["'-y'", ok('Upgraded:\n  pdlab-rweb-2.4-3.noarch\n\nComplete!\n')],
  ]);
  const result = await exec.install(WEB);
  assert.deepEqual(result.actions, [
    { action: 'upgrade', name: 'pdlab-rlib', to: '1.0-2' },
    { action: 'upgrade', name: 'pdlab-rweb', to: '2.4-3' },
  ]);
  assert.deepEqual(
    result.steps.map((s) => [s.step, s.exitCode]),
    [
      ['dry-run', 1],
      ['install', 0],
    ],
  );
  const install = runner.commands[1]!.command;
  const q = (w: string) => `'\\''${w}'\\''`;
  const words = ['/usr/bin/dnf', '-y', '--best', '--setopt=skip_if_unavailable=False'];
  assert.ok(install.includes(`exec sudo -n LC_ALL=${q('C')} -- ${words.map(q).join(' ')}`), install);
  assert.ok(install.includes(q(`--setopt=proxy=${PROXY}`)), install);
  assert.ok(
    install.endsWith(`${q('upgrade')} ${q('pdlab-rweb-2.4-3')}'`),
    'the epoch is dropped from the spec',
  );
  assert.equal(runner.open, 0, 'the session is closed');
});

test('dnf: a dry run that fails for real (exit 1 without "Operation aborted.") is classified', async () => {
  const broken = {
    stdout: '',
    stderr:
      'Error: \n Problem: cannot install the best update candidate for package pdlab-rweb-2.4-1.noarch\n  - nothing provides /bin/sh needed by pdlab-rweb-2.4-3.noarch\n',
    exitCode: 1,
  };
  const { runner, exec } = setup(dnfTool({}), [["'--assumeno'", broken]]);
  await assert.rejects(exec.install(WEB), (e: unknown) => {
    assert.ok(e instanceof StepFailure && e.kind === 'permanent', String(e));
    assert.match(e.reason, /pdlab-rweb-2\.4-3\.noarch needs \/bin\/sh, which nothing/);
    return true;
  });
  assert.equal(runner.commands.length, 1, 'nothing installed');
});

test("dnf: a failed %post that dnf exits 0 for fails the host with dnf's words", async () => {
  const out =
    'Running transaction\n  Upgrading        : pdlab-rweb-2.4-3.noarch  1/2\n  Running scriptlet: pdlab-rweb-2.4-3.noarch  1/2\nwarning: %post(pdlab-rweb-2.4-3.noarch) scriptlet failed, exit status 1\n\nError in POSTIN scriptlet in rpm package pdlab-rweb\n\nUpgraded:\n  pdlab-rweb-2.4-3.noarch\n\nComplete!\n';
  const { exec } = setup(dnfTool({}), [
    ["'--assumeno'", aborted],
    ["'-y'", ok(out)],
  ]);
  await assert.rejects(exec.install(WEB), (e: unknown) => {
    assert.ok(e instanceof StepFailure && e.kind === 'permanent');
    assert.match(e.reason, /^install: the POSTIN scriptlet of pdlab-rweb failed/);
    assert.equal(e.record?.stdout, out, 'the exact output is kept');
    return true;
  });
});

test('dnf: a removal the deployment does not allow stops before dnf -y', async () => {
  const { runner, exec } = setup(dnfTool({}), [
    [
      "'--assumeno'",
      { stdout: fixture('dnf/assumeno-upgrade.txt'), stderr: 'Operation aborted.\n', exitCode: 1 },
    ],
    ["'-y'", ok('must not run')],
  ]);
  await assert.rejects(
    exec.install(change([['openssl', '1:3.0.7-27.el9_4']])),
    /would remove compat-openssl11/,
  );
  assert.equal(runner.commands.length, 1);
  const allowed = setup(dnfTool({}), [
    [
      "'--assumeno'",
      { stdout: fixture('dnf/assumeno-upgrade.txt'), stderr: 'Operation aborted.\n', exitCode: 1 },
    ],
    ["'-y'", ok('Complete!\n')],
  ]);
  await allowed.exec.install(change([['openssl', '1:3.0.7-27.el9_4']], ['compat-openssl11']));
  assert.equal(allowed.runner.commands.length, 2, 'allowed by name, it goes ahead');
});

test('dnf: preflight refreshes metadata through the cache, reads free space, finds duplicates; recover removes them', async () => {
  const dupes = 'pdlab-rlib-1.0-2.noarch is a duplicate with pdlab-rlib-1.0-1.noarch\n';
  const { runner, exec } = setup(dnfTool({ proxyUrl: PROXY }), [
    ["'makecache'", ok('Metadata cache created.\n')],
    [
      'df -Pk /var/cache/dnf',
      ok('Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 50 2048 50% /\n'),
    ],
    ["'check'", { stdout: dupes, stderr: 'Error: Check discovered 1 problem(s)\n', exitCode: 1 }],
    ["'--duplicates'", ok('Removed:\n  pdlab-rlib-1.0-1.noarch\n\nComplete!\n')],
  ]);
  const pre = await exec.preflight(WEB);
  assert.equal(pre.broken, true);
  assert.equal(pre.freeBytes, 2048 * 1024);
  assert.ok(runner.commands[0]!.command.includes(`--setopt=proxy=${PROXY}`));
  const rec = await exec.recover(WEB);
  const q = (w: string) => `'\\''${w}'\\''`;
  assert.ok(
    rec.command.includes([q('/usr/bin/dnf'), q('-y'), q('remove'), q('--duplicates')].join(' ')),
    rec.command,
  );
});

test('apk: -s then add -u through sudo, the proxy in the environment', async () => {
  const { runner, exec } = setup(apkTool(PROXY), [
    ["'-s'", ok(fixture('apk/simulate.txt'))],
    ["'add'", ok('OK: 12 MiB in 40 packages\n')],
  ]);
  await assert.rejects(
    exec.install(change([['busybox', '1.36.1-r19']], [], 'apk')),
    /would remove libcrypto1\.1/,
  );
  assert.equal(runner.commands.length, 1, 'the purge stopped it before apk add -u');
  const result = await exec.install(change([['busybox', '1.36.1-r19']], ['libcrypto1.1'], 'apk'));
  assert.equal(runner.commands.length, 3, 'allowed by name: the dry run again, then the install');
  assert.deepEqual(result.actions[3], {
    action: 'upgrade',
    name: 'busybox',
    from: '1.36.1-r15',
    to: '1.36.1-r19',
  });
  assert.doesNotMatch(runner.commands[2]!.command, /'-s'/);
  const dry = runner.commands[0]!.command;
  assert.ok(dry.includes(`HTTP_PROXY='\\''${PROXY}'\\''`), dry);
  assert.ok(
    dry.includes(`'\\''/sbin/apk'\\'' '\\''add'\\'' '\\''--no-progress'\\'' '\\''-s'\\'' '\\''-u'\\''`),
    dry,
  );
  assert.ok(dry.includes(`'\\''busybox=1.36.1-r19'\\''`), dry);
});

/** Names and versions no package tool may see, each with the tool's own valid version `v`. */
const hostile = (v: string): Array<[string, string]> => [
  ['pdlab; reboot', v],
  ['$(reboot)', v],
  ['`reboot`', v],
  ['--setopt=tsflags=noscripts', v],
  ['-oDPkg::Pre-Invoke::=reboot', v],
  ["pdlab'", v],
  ['pdlab\nreboot', v],
  ['pdlab*', v],
  ['', v],
  ['pdlab', `${v}' ; reboot ; '`],
  ['pdlab', `${v} --noscripts`],
  ['pdlab', `$(reboot)`],
  ['pdlab', ''],
];

test('hostile names and versions from an inventory are refused before any command is sent', async () => {
  const tools: Array<[PackageTool, string, HostChange['ecosystem']]> = [
    [dnfTool({ proxyUrl: PROXY }), '1.0-1', 'rpm'],
    [apkTool(PROXY), '1.0-r1', 'apk'],
  ];
  for (const [tool, v, ecosystem] of tools) {
    const fine = setup(tool, [
      ['', { stdout: '', stderr: 'Operation aborted.\n', exitCode: ecosystem === 'rpm' ? 1 : 0 }],
    ]);
    await fine.exec.dryRun(change([['pdlab', v]], [], ecosystem));
    assert.equal(fine.runner.commands.length, 1, `${v} is a valid ${ecosystem} version`);
    for (const [name, version] of hostile(v)) {
      const { runner, exec } = setup(tool, [['', ok('')]]);
      const bad = change([[name, version]], [], ecosystem);
      await assert.rejects(exec.install(bad), (e: unknown) => {
        assert.ok(e instanceof StepFailure && e.kind === 'permanent', String(e));
        assert.match(e.reason, /^the plan cannot be run: not an? (rpm|apk) name and version/);
        return true;
      });
      await assert.rejects(exec.dryRun(bad), StepFailure);
      assert.equal(runner.commands.length, 0, `${JSON.stringify(name)} ${version}: nothing sent`);
    }
  }
});

test('every word sent comes out of a real /bin/sh as it went in (root login and sudo)', () => {
  const argv = dnfCommands.upgrade(
    [
      { name: 'libstdc++', version: '11.4.1-3.el9', advisories: [] },
      { name: 'perl-Text-Tabs+Wrap', version: '1:2013.0523-460.el9', advisories: [] },
      { name: 'kernel-rt_x', version: '5.14.0~rc1^20240101-1.el9', advisories: [] },
    ],
    { proxyUrl: PROXY },
  );
  const env = { LC_ALL: 'C' };
  const echo = (line: string) =>
    execFileSync('/bin/sh', ['-c', `show() { printf '%s\\n' "$@"; }; ${line}`], { encoding: 'utf8' });
  const asRoot = rootCommand(argv, { env }).replace("'/usr/bin/dnf'", 'show');
  assert.deepEqual(echo(asRoot).trimEnd().split('\n'), argv.slice(1));
  // sudo's line: its inner script, with sudo itself replaced by a function printing its words.
  const viaSudo = sudoCommand(argv, { env });
  const inner = echo(`printf '%s' ${viaSudo.slice('LC_ALL=C /bin/sh -c '.length)}`);
  const words = echo(inner.replace('exec sudo -n', 'show').replace(/^command -v sudo[^;]*;[^;]*; \}; /, ''));
  assert.deepEqual(words.trimEnd().split('\n'), ['LC_ALL=C', '--', ...argv]);
});
