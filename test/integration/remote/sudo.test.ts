/**
 * The sudo command line itself, run by a real /bin/sh on this machine (no SSH needed): a host
 * without sudo gets an error that says so and how to allow exactly the needed programs; a root
 * login runs the program directly; only declared programs can be run at all.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import type { ExecResult, RemoteSession } from '../../../daemon/remote/ports.js';
import { RemoteError } from '../../../daemon/remote/remote-error.js';
import { DEBIAN_ROOT_PROGRAMS, runAsRoot, sudoersLine } from '../../../daemon/remote/sudo.js';

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
