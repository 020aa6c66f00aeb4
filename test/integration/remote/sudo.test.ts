/**
 * The sudo command line itself, run by a real /bin/sh on this machine (no SSH needed): a host
 * without sudo gets an error that says so and how to allow exactly the needed programs; a root
 * login runs the program directly; only declared programs can be run at all.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { ExecResult, RemoteSession } from '../../../daemon/remote/ports.js';
import { RemoteError } from '../../../daemon/remote/remote-error.js';
import { DEBIAN_ROOT_PROGRAMS, runAsRoot, sudoCommand, sudoersLine } from '../../../daemon/remote/sudo.js';

const sudoMissing =
  process.getuid?.() !== 0 || !existsSync('/usr/bin/sudo') ? 'needs root and /usr/bin/sudo' : undefined;

const limits = { timeoutMs: 10_000, maxOutputBytes: 1 << 20 };

/** A session whose commands run in a local /bin/sh with the given PATH, as sshd would run them. */
const localSession = (path: string, seen: string[] = []): RemoteSession => ({
  exec: (command) =>
    new Promise<ExecResult>((resolve) => {
      seen.push(command);
      execFile('/bin/sh', ['-c', command], { env: { PATH: path } }, (err, stdout, stderr) =>
        resolve({ stdout, stderr, exitCode: err ? Number(err.code ?? 1) : 0 }),
      );
    }),
  close: () => {},
});

test('the sudoers line names the user and exactly the programs', () => {
  assert.equal(
    sudoersLine('deploy', DEBIAN_ROOT_PROGRAMS),
    'deploy ALL=(root) NOPASSWD: /usr/bin/apt-get, /usr/bin/dpkg, /sbin/reboot',
  );
});

test('a host without sudo: the error says so and gives the line to add', async () => {
  const opts = { username: 'deploy', label: 'deploy@10.0.0.5:22', programs: DEBIAN_ROOT_PROGRAMS };
  await assert.rejects(
    runAsRoot(localSession('/nonexistent'), ['/usr/bin/dpkg', '--version'], limits, opts),
    (e: unknown) => {
      assert.ok(e instanceof RemoteError && e.kind === 'privilege', String(e));
      assert.match(e.message, /^deploy@10\.0\.0\.5:22: sudo is not installed on the host/);
      assert.ok(
        e.message.includes('deploy ALL=(root) NOPASSWD: /usr/bin/apt-get, /usr/bin/dpkg, /sbin/reboot'),
      );
      return true;
    },
  );
});

test('arguments reach the program as they are: quotes and shell syntax are not interpreted', async () => {
  const seen: string[] = [];
  const session = localSession('/usr/bin:/bin', seen);
  const arg = `it's; $(echo pwned) "quoted"`;
  const r = await runAsRoot(session, ['/bin/echo', arg], limits, {
    username: 'root',
    label: 'root@h',
    programs: ['/bin/echo'],
  });
  assert.equal(r.stdout, `${arg}\n`);
  assert.doesNotMatch(seen[0]!, /sudo/, 'a root login needs no sudo');
});

test('only declared absolute programs run', async () => {
  const opts = { username: 'deploy', label: 'deploy@h', programs: ['/usr/bin/id'] };
  await assert.rejects(
    runAsRoot(localSession('/usr/bin'), ['/bin/sh', '-c', 'id'], limits, opts),
    /not one of/,
  );
  await assert.rejects(runAsRoot(localSession('/usr/bin'), ['id'], limits, opts), /not one of/);
});

test('variables reach the program: set by the shell for root, on sudo -n for others; stdin too', async () => {
  const env = { DEBIAN_FRONTEND: 'noninteractive', PD_ODD: `it's $(x)` };
  const asRoot = await runAsRoot(
    localSession('/usr/bin:/bin'),
    ['/usr/bin/env'],
    limits,
    {
      username: 'root',
      label: 'root@h',
      programs: ['/usr/bin/env'],
    },
    { env },
  );
  assert.match(asRoot.stdout, /^DEBIAN_FRONTEND=noninteractive$/m);
  assert.match(asRoot.stdout, /^PD_ODD=it's \$\(x\)$/m);
  const piped = await runAsRoot(
    localSession('/usr/bin:/bin'),
    ['/bin/cat'],
    limits,
    {
      username: 'root',
      label: 'root@h',
      programs: ['/bin/cat'],
    },
    { input: "line 1\n'quoted'\n" },
  );
  assert.equal(piped.stdout, "line 1\n'quoted'\n");
  assert.throws(() => sudoCommand(['/usr/bin/env'], { env: { 'A;B': '1' } }), /bad variable name/);
});

test('sudo -n takes the variables before --, as sudo itself parses them', { skip: sudoMissing }, async () => {
  // This test runs as root, whom sudo allows everything (SETENV implied), so it shows the syntax.
  const r = await runAsRoot(
    localSession('/usr/bin:/bin'),
    ['/usr/bin/env'],
    limits,
    {
      username: 'deploy',
      label: 'deploy@h',
      programs: ['/usr/bin/env'],
      setenv: true,
    },
    { env: { DEBIAN_FRONTEND: 'noninteractive' } },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^DEBIAN_FRONTEND=noninteractive$/m);
  assert.equal(
    sudoersLine('deploy', DEBIAN_ROOT_PROGRAMS, true),
    'deploy ALL=(root) NOPASSWD:SETENV: /usr/bin/apt-get, /usr/bin/dpkg, /sbin/reboot',
  );
});
