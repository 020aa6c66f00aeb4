/**
 * Password logins and `sudo -n` against this machine's real OpenSSH and sudo, as a throwaway
 * local user: a host that does not have the appliance key yet is reached with a password (plain,
 * or keyboard-interactive through PAM), and root commands run through sudo only where a sudoers
 * rule allows them without a password; otherwise the error carries the line to add.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplianceKeyStore } from '../../../daemon/remote/keys.js';
import type { RemoteSession, SshTarget } from '../../../daemon/remote/ports.js';
import { RemoteError } from '../../../daemon/remote/remote-error.js';
import { Ssh2Runner } from '../../../daemon/remote/ssh-runner.js';
import { type RootOptions, runAsRoot, sudoersLine } from '../../../daemon/remote/sudo.js';
import { memoryLogger } from '../../fakes/log.js';
import { SshdServer, sshdUnavailable } from '../../support/sshd-server.js';
import {
  createSystemUser,
  installSudoers,
  type SystemUser,
  sudoUnavailable,
  systemUserUnavailable,
} from '../../support/system-user.js';
import { waitFor } from '../../support/wait-for.js';

const skip = sshdUnavailable() ?? systemUserUnavailable() ?? sudoUnavailable();
const limits = { timeoutMs: 10_000, maxOutputBytes: 1 << 20 };

describe('password logins and sudo -n on a real host', { skip, timeout: 90_000 }, () => {
  const runner = new Ssh2Runner();
  let user: SystemUser;
  let plain: SshdServer;
  let pam: SshdServer;
  let privateKey: string;

  before(async () => {
    user = await createSystemUser();
    // No authorized key at all: the appliance key is tried first and refused, then the password.
    plain = await SshdServer.create([], { passwords: 'password' });
    pam = await SshdServer.create([], { passwords: 'pam' });
    privateKey = (await new ApplianceKeyStore(join(plain.dir, 'key'), memoryLogger()).get()).privateKey;
    await plain.start();
    await pam.start();
  });
  after(async () => {
    await plain?.dispose();
    await pam?.dispose();
    await user?.dispose();
  });

  const target = (server: SshdServer, password: string | undefined): SshTarget => ({
    host: '127.0.0.1',
    port: server.port,
    username: user.name,
    privateKey,
    password,
    verifyHostKey: async () => {},
  });

  const login = (server: SshdServer): Promise<RemoteSession> =>
    runner.connect(target(server, user.password), { timeoutMs: 10_000 });

  test('a password logs in when the appliance key is not installed', async () => {
    const session = await login(plain);
    try {
      assert.equal((await session.exec('id -un', limits)).stdout, `${user.name}\n`);
    } finally {
      session.close();
    }
    await waitFor(() => plain.log.includes(`Accepted password for ${user.name} `), 'sshd to log the login');
  });

  test('keyboard-interactive (PAM-only servers) answers the password prompt', async () => {
    const session = await login(pam);
    try {
      assert.equal((await session.exec('id -un', limits)).stdout, `${user.name}\n`);
    } finally {
      session.close();
    }
    await waitFor(
      () => pam.log.includes(`Accepted keyboard-interactive/pam for ${user.name} `),
      'sshd to log the login',
    );
  });

  test('a wrong password is an auth failure that says what to do', async () => {
    for (const server of [plain, pam]) {
      await assert.rejects(
        runner.connect(target(server, 'not-the-password'), { timeoutMs: 10_000 }),
        (e: unknown) => e instanceof RemoteError && e.kind === 'auth' && /store a password/.test(e.message),
      );
    }
  });

  describe('sudo -n', () => {
    const programs = ['/usr/bin/id', '/usr/bin/whoami'];
    const opts = (): RootOptions => ({ username: user.name, label: `${user.name}@127.0.0.1`, programs });
    const asRoot = async (argv: string[]) => {
      const session = await login(plain);
      try {
        return await runAsRoot(session, argv, limits, opts());
      } finally {
        session.close();
      }
    };
    const refusedWithTheRule = (e: unknown): boolean => {
      assert.ok(e instanceof RemoteError, String(e));
      assert.equal(e.kind, 'privilege');
      assert.ok(e.message.includes(sudoersLine(user.name, programs)), e.message);
      assert.ok(e.message.includes(`${user.name} ALL=(root) NOPASSWD: /usr/bin/id, /usr/bin/whoami`));
      return true;
    };

    test('a user without a sudoers rule gets the exact line to add', async () => {
      await assert.rejects(asRoot(['/usr/bin/id', '-u']), (e: unknown) => {
        refusedWithTheRule(e);
        assert.match((e as Error).message, /wants a password/);
        return true;
      });
    });

    test('a rule that still asks for a password is refused the same way, never prompted', async () => {
      const rule = await installSudoers(`${user.name} ALL=(root) /usr/bin/id`);
      try {
        await assert.rejects(asRoot(['/usr/bin/id', '-u']), refusedWithTheRule);
      } finally {
        await rule.dispose();
      }
    });

    test('with a NOPASSWD rule the program runs as root; its own failures are its result', async () => {
      const rule = await installSudoers(`${user.name} ALL=(root) NOPASSWD: /usr/bin/id`);
      try {
        const ok = await asRoot(['/usr/bin/id', '-u']);
        assert.equal(ok.stdout, '0\n');
        assert.equal(ok.exitCode, 0);
        const own = await asRoot(['/usr/bin/id', '--no-such-option']);
        assert.equal(own.exitCode, 1);
        assert.match(own.stderr, /unrecognized option/);
        // A program the rule does not name is refused, with the line that would allow it.
        await assert.rejects(asRoot(['/usr/bin/whoami']), refusedWithTheRule);
      } finally {
        await rule.dispose();
      }
    });
  });
});

if (skip) console.log(`# password and sudo tests skipped: ${skip}`);
