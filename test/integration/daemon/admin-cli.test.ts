/**
 * `patch-depot admin reset-password` at the appliance's console: a new random password for an
 * account that then signs in with it (and not with the old one), its sessions gone; refused while
 * the data directory is in use, for an unknown account, and before setup; `admin accounts` lists.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { AuthService } from '../../../daemon/auth/auth-service.js';
import { SetupCode } from '../../../daemon/auth/setup-code.js';
import { DataDirLock } from '../../../daemon/store/data-dir-lock.js';
import { StateStore } from '../../../daemon/store/state-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const cli = (dataDir: string, ...args: string[]) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', 'daemon/main.ts', 'admin', ...args, '--data-dir', dataDir],
    {
      encoding: 'utf8',
    },
  );

const PASSWORD = 'the first long password';

const withAuth = async <T>(dir: string, work: (auth: AuthService) => Promise<T>): Promise<T> => {
  const store = new StateStore({ dataDir: dir, debounceMs: 0, maxDelayMs: 0, log: memoryLogger() });
  await store.start();
  try {
    const auth = new AuthService(store, {
      setupCode: new SetupCode(dir),
      sessionTtlHours: 1,
      loginAttemptsPerMinute: 100,
      log: memoryLogger(),
    });
    return await work(auth);
  } finally {
    await store.stop();
  }
};

test('admin reset-password gives an account a new password, signs it out, and refuses mistakes clearly', async (t) => {
  const dir = await tempDir(t);
  await withAuth(dir, async () => {}); // the daemon's state, before first-run setup
  const before = cli(dir, 'reset-password');
  assert.equal(before.status, 1);
  assert.match(before.stderr, /no account yet: finish first-run setup/);

  const session = await withAuth(dir, async (auth) => {
    const code = (await auth.prepareSetupCode())!;
    const token = await auth.setup(PASSWORD, PASSWORD, code, '127.0.0.1');
    await auth.accounts.add('olga', 'operator', PASSWORD);
    return token;
  });

  const listed = cli(dir, 'accounts');
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /^admin\tadmin\t/m);
  assert.match(listed.stdout, /^olga\toperator\t/m);

  const reset = cli(dir, 'reset-password');
  assert.equal(reset.status, 0, reset.stderr);
  const password = /^([A-Za-z0-9]{16})$/m.exec(reset.stdout)?.[1];
  assert.ok(password, reset.stdout);
  await withAuth(dir, async (auth) => {
    assert.equal(auth.checkSession(session), false, 'signed out everywhere');
    await assert.rejects(auth.login('admin', PASSWORD, '127.0.0.1'), /wrong name or password/);
    assert.ok(await auth.login('admin', password, '127.0.0.1'));
    assert.ok(await auth.login('olga', PASSWORD, '127.0.0.1'), 'other accounts untouched');
  });

  const unknown = cli(dir, 'reset-password', '--user', 'nobody');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no account nobody/);
  assert.doesNotMatch(unknown.stderr, /\n\s+at /, 'no stack trace');

  const usage = cli(dir, 'reset');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /unknown subcommand "reset"/);

  const lock = await DataDirLock.acquire(dir, 'serve');
  t.after(() => lock.release());
  const busy = cli(dir, 'reset-password');
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /is in use by patch-depot serve .*stop it first/);
});
