/**
 * The apt executor over real SSH (OpenSSH on loopback, the appliance key, root login) against
 * this machine's own dpkg and apt, on the paths that change nothing: preflight (dpkg --audit, df),
 * the dry run (`apt-get -s`, a simulation), a version the repositories lack, the reboot need and
 * the boot id. Install never runs here: it belongs to a lab host with its own root.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { AptExecutor } from '../../../daemon/deploy/executors/apt-executor.js';
import { type HostChange, StepFailure } from '../../../daemon/deploy/ports.js';
import { systemClock } from '../../../daemon/lifecycle.js';
import { type ApplianceKey, ApplianceKeyStore } from '../../../daemon/remote/keys.js';
import { Ssh2Runner } from '../../../daemon/remote/ssh-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { SshdServer, sshdUnavailable } from '../../support/sshd-server.js';

const run = promisify(execFile);
const skip =
  sshdUnavailable() ??
  (existsSync('/usr/bin/apt-get') ? undefined : 'needs apt-get (a Debian-family machine)');

describe('AptExecutor over OpenSSH on this machine (read-only paths)', { skip, timeout: 120_000 }, () => {
  let server: SshdServer;
  let key: ApplianceKey;
  const keyDir = join(process.env.TMPDIR ?? '/tmp', `pd-exec-key-${process.pid}`);
  let exec: AptExecutor;

  before(async () => {
    key = await new ApplianceKeyStore(keyDir, memoryLogger()).get();
    server = await SshdServer.create([key.publicKey]);
    await server.start();
    const runner = new Ssh2Runner();
    exec = new AptExecutor({
      open: (signal) =>
        runner.connect(
          {
            host: '127.0.0.1',
            port: server.port,
            username: 'root',
            privateKey: key.privateKey,
            verifyHostKey: async () => {},
          },
          { timeoutMs: 10_000, signal },
        ),
      username: 'root',
      label: `root@127.0.0.1:${server.port}`,
      clock: systemClock,
      settings: { proxyUrl: 'http://127.0.0.1:9/', lockTimeoutSec: 5 },
      commandTimeoutMs: 60_000,
      maxOutputBytes: 8 << 20,
      refreshLists: false,
    });
  });
  after(async () => {
    await server?.dispose();
    await rm(keyDir, { recursive: true, force: true });
  });

  const change = (version: string): HostChange => ({
    hostId: 'self',
    ecosystem: 'dpkg',
    upgrades: [{ name: 'bash', version, advisories: [] }],
    allowRemove: [],
  });

  test('preflight reads dpkg --audit and the free space where apt unpacks', async () => {
    const r = await exec.preflight(change('0'));
    assert.equal(r.broken, false);
    const { stdout } = await run('df', ['-Pk', '/var/cache/apt/archives']);
    const kib = Number(stdout.trim().split('\n')[1]!.trim().split(/\s+/)[3]);
    assert.ok(Math.abs(r.freeBytes - kib * 1024) < 512 * 1024 * 1024, `${r.freeBytes} vs ${kib * 1024}`);
    assert.deepEqual(
      r.steps.map((s) => s.exitCode),
      [0, 0],
    );
  });

  test('the dry run simulates the pinned upgrade and names the real versions', async () => {
    const { stdout } = await run('apt-cache', ['policy', 'bash'], {
      env: { LC_ALL: 'C', PATH: process.env.PATH },
    });
    const installed = /Installed: (\S+)/.exec(stdout)![1]!;
    const candidate = /Candidate: (\S+)/.exec(stdout)![1]!;
    const r = await exec.dryRun(change(candidate));
    assert.equal(r.step.exitCode, 0, r.step.stderr);
    assert.match(r.step.command, /'-s'.*'Acquire::http::Proxy=http:\/\/127\.0\.0\.1:9\/'/);
    if (candidate === installed) assert.deepEqual(r.actions, []);
    else assert.deepEqual(r.actions, [{ action: 'upgrade', name: 'bash', from: installed, to: candidate }]);
  });

  test('a version the repositories lack is a permanent failure with the exact output', async () => {
    await assert.rejects(exec.dryRun(change('9.9.9-pd1')), (e: unknown) => {
      assert.ok(e instanceof StepFailure && e.kind === 'permanent', String(e));
      assert.equal(e.reason, "dry-run: version 9.9.9-pd1 of bash is not in the host's repositories");
      assert.equal(e.record?.exitCode, 100);
      assert.match(e.record?.stderr ?? '', /^E: Version '9\.9\.9-pd1' for 'bash' was not found$/m);
      return true;
    });
  });

  test('boot id and reboot need come from the host', async () => {
    assert.equal(await exec.bootId('self'), readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const need = await exec.rebootNeed(change('0'));
    assert.equal(typeof need.required, 'boolean');
  });
});
