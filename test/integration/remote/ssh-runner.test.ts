/**
 * The ssh2 adapter against a real OpenSSH server on 127.0.0.1: key login, exec results, output
 * cap and timeout (the remote command is killed), host keys pinned on first use, a changed key
 * refused before any credential is sent, and a deliberate acceptance of the new key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { withDeadline } from '../../../daemon/inventory/collector.js';
import { type ApplianceKey, ApplianceKeyStore } from '../../../daemon/remote/keys.js';
import { hostPortKey, KnownHosts } from '../../../daemon/remote/known-hosts.js';
import type { SshTarget } from '../../../daemon/remote/ports.js';
import { HostKeyChangedError, RemoteError } from '../../../daemon/remote/remote-error.js';
import { Ssh2Runner } from '../../../daemon/remote/ssh-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { hostKeyFingerprint, SshdServer, sshdUnavailable } from '../../support/sshd-server.js';
import { waitFor } from '../../support/wait-for.js';

const run = promisify(execFile);
const children = async (pid: string): Promise<number[]> => {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', pid]).catch(() => ({ stdout: '' }));
  return stdout.split(/\s+/).filter(Boolean).map(Number);
};
const skip = sshdUnavailable();
const limits = { timeoutMs: 10_000, maxOutputBytes: 1 << 20 };

describe('Ssh2Runner against OpenSSH', { skip, timeout: 60_000 }, () => {
  let server: SshdServer;
  let key: ApplianceKey;
  let knownHosts: KnownHosts;
  const runner = new Ssh2Runner();

  before(async () => {
    key = await new ApplianceKeyStore(
      join(process.env.TMPDIR ?? '/tmp', `pd-key-${process.pid}`),
      memoryLogger(),
    ).get();
    server = await SshdServer.create([key.publicKey]);
    knownHosts = new KnownHosts(join(server.dir, 'known-hosts.json'), memoryLogger());
    await server.start();
  });
  after(async () => {
    await server?.dispose();
    await run('rm', ['-rf', join(process.env.TMPDIR ?? '/tmp', `pd-key-${process.pid}`)]);
  });

  const pin = (): string => hostPortKey('127.0.0.1', server.port);
  const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    host: '127.0.0.1',
    port: server.port,
    username: 'root',
    privateKey: key.privateKey,
    verifyHostKey: (k) => knownHosts.verify(pin(), k).then(() => undefined),
    ...over,
  });

  test('logs in with the appliance key, pins the host key, runs commands', async () => {
    const session = await runner.connect(target(), { timeoutMs: 10_000 });
    try {
      const r = await session.exec('echo out; echo err >&2; exit 3', limits);
      assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
      const ok = await session.exec('id -u', limits);
      assert.deepEqual(ok, { stdout: '0\n', stderr: '', exitCode: 0 });
    } finally {
      session.close();
    }
    const pinned = await knownHosts.get(pin());
    assert.equal(pinned?.pinned.type, 'ssh-ed25519');
    assert.equal(pinned?.pinned.fingerprint, await hostKeyFingerprint(server.hostKeyPub));
    assert.match(server.log, /Accepted publickey for root/);
  });

  test('output beyond the cap stops the command; the session stays usable', async () => {
    const session = await runner.connect(target(), { timeoutMs: 10_000 });
    try {
      await assert.rejects(
        session.exec('head -c 5000000 /dev/zero', { timeoutMs: 10_000, maxOutputBytes: 4096 }),
        (e: unknown) =>
          e instanceof RemoteError && e.kind === 'output-limit' && /more than 4096 bytes/.test(e.message),
      );
      assert.equal((await session.exec('echo still-here', limits)).stdout, 'still-here\n');
    } finally {
      session.close();
    }
  });

  // sshd refuses signal requests for root logins, so the collector wraps every command in the
  // host's own `timeout`: the command must be gone soon after the deadline either way.
  test('a command past its timeout fails and is killed on the host', async () => {
    const session = await runner.connect(target(), { timeoutMs: 10_000 });
    const marker = `${1000 + (process.pid % 1000)}.25`;
    try {
      await assert.rejects(
        session.exec(withDeadline(`sleep ${marker}`, 1), { timeoutMs: 300, maxOutputBytes: 1024 }),
        (e: unknown) => e instanceof RemoteError && e.kind === 'timeout',
      );
    } finally {
      session.close();
    }
    await waitFor(async () => {
      const ps = await run('ps', ['-eo', 'args']);
      return !ps.stdout.split('\n').some((l) => l.includes(`sleep ${marker}`));
    }, 'the remote sleep to be killed');
  });

  test('a command killed by a signal says so; a lost connection is not an answer', async () => {
    const session = await runner.connect(target(), { timeoutMs: 10_000 });
    try {
      const killed = await session.exec('kill -KILL $$', limits);
      assert.equal(killed.exitCode, null);
      assert.equal(killed.signal, 'SIGKILL');
      const pending = session.exec(withDeadline('sleep 2.5', 3), { timeoutMs: 30_000, maxOutputBytes: 1024 });
      // Kill this connection's sshd process on the host: the channel closes without a status.
      const sshdPid = (await server.readFile('sshd.pid')).trim();
      await waitFor(
        async () =>
          (await run('ps', ['-eo', 'args'])).stdout.split('\n').some((l) => l.startsWith('sleep 2.5')),
        'the command to run',
      );
      for (const pid of await children(sshdPid)) process.kill(pid, 'SIGKILL');
      await assert.rejects(
        pending,
        (e: unknown) =>
          e instanceof RemoteError && e.kind === 'connect' && /connection lost while running/.test(e.message),
      );
    } finally {
      session.close();
    }
  });

  test('a login the host refuses is an auth failure that says what to do', async () => {
    const other = await new ApplianceKeyStore(join(server.dir, 'other-key'), memoryLogger()).get();
    await assert.rejects(
      runner.connect(target({ privateKey: other.privateKey }), { timeoutMs: 10_000 }),
      (e: unknown) => e instanceof RemoteError && e.kind === 'auth' && /authorized_keys/.test(e.message),
    );
  });

  test('with a stored password the key is still tried first; a refused login stays an auth error', async () => {
    const session = await runner.connect(target({ password: 'not-the-password' }), { timeoutMs: 10_000 });
    session.close();
    const other = await new ApplianceKeyStore(join(server.dir, 'other-key-2'), memoryLogger()).get();
    // This sshd allows neither password nor keyboard-interactive logins: both fall through.
    await assert.rejects(
      runner.connect(target({ privateKey: other.privateKey, password: 'nope' }), { timeoutMs: 10_000 }),
      (e: unknown) => e instanceof RemoteError && e.kind === 'auth',
    );
  });

  test('a closed port is a connection failure', async () => {
    await assert.rejects(
      runner.connect(target({ port: 1 }), { timeoutMs: 5_000 }),
      (e: unknown) => e instanceof RemoteError && e.kind === 'connect' && /refused/.test(e.message),
    );
  });

  test('a changed host key is refused before login; accepting it deliberately works', async () => {
    const oldFp = await hostKeyFingerprint(server.hostKeyPub);
    await server.stop();
    await server.newHostKey('ed25519');
    await server.start();
    const newFp = await hostKeyFingerprint(server.hostKeyPub);
    const logBefore = server.log.length;
    await assert.rejects(runner.connect(target(), { timeoutMs: 10_000 }), (e: unknown) => {
      assert.ok(e instanceof HostKeyChangedError, String(e));
      assert.equal(e.pinnedFingerprint, oldFp);
      assert.equal(e.presentedFingerprint, newFp);
      assert.ok(e.message.includes(oldFp) && e.message.includes(newFp));
      assert.match(e.message, /HOST KEY CHANGED/);
      return true;
    });
    // Nothing was offered to the impostor: the server saw no authentication attempt.
    const since = server.log.slice(logBefore);
    assert.doesNotMatch(since, /publickey|Accepted|Failed/);
    const entry = await knownHosts.get(pin());
    assert.equal(entry?.pinned.fingerprint, oldFp);
    assert.equal(entry?.rejected?.fingerprint, newFp);

    // Still refused on retry; accepting a fingerprint other than the presented one changes nothing.
    await assert.rejects(knownHosts.acceptRejected(pin(), oldFp), /nothing accepted/);
    await assert.rejects(runner.connect(target(), { timeoutMs: 10_000 }), HostKeyChangedError);

    await knownHosts.acceptRejected(pin(), newFp);
    const session = await runner.connect(target(), { timeoutMs: 10_000 });
    session.close();
    const now = await knownHosts.get(pin());
    assert.equal(now?.pinned.fingerprint, newFp);
    assert.equal(now?.rejected, undefined);
  });

  test('an RSA host key is pinned with its type and negotiated again with SHA-2 signatures', async () => {
    await server.stop();
    await server.newHostKey('rsa');
    await server.start();
    const fp = await hostKeyFingerprint(server.hostKeyPub);
    const session = await runner.connect(
      target({
        verifyHostKey: (k) => knownHosts.verify(pin(), k, { acceptFingerprint: fp }).then(() => undefined),
      }),
      { timeoutMs: 10_000 },
    );
    session.close();
    const entry = await knownHosts.get(pin());
    assert.equal(entry?.pinned.type, 'ssh-rsa');
    assert.equal(entry?.pinned.fingerprint, fp);
    const again = await runner.connect(
      target({ hostKeyAlgorithms: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] }),
      {
        timeoutMs: 10_000,
      },
    );
    again.close();
  });
});
