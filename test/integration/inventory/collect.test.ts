/**
 * End to end over real SSH: the InventoryService with the ssh2 runner logs in to a real sshd on
 * 127.0.0.1 with its own generated key, pins the host key, and reads a real dpkg database made
 * of .deb packages built and installed by dpkg itself; then the same against this machine's own
 * dpkg database. One bad host in a run fails alone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import { parseOsRelease } from '../../../daemon/inventory/parse-os-release.js';
import { Ssh2Runner } from '../../../daemon/remote/ssh-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { startJobs, type TestWork } from '../../job-runner.js';
import { hostKeyFingerprint, SshdServer, sshdUnavailable } from '../../support/sshd-server.js';
import { waitFor } from '../../support/wait-for.js';
import { buildDpkgDatabase, type DpkgDatabase } from './dpkg-admindir.js';

const run = promisify(execFile);
const skip = sshdUnavailable() ?? (existsSync('/usr/bin/dpkg-deb') ? undefined : 'dpkg-deb missing');

const service = (dir: string, dpkgAdminDir?: string, work?: TestWork) =>
  new InventoryService({
    dir,
    runner: new Ssh2Runner(),
    parsers: inventoryParsers,
    log: memoryLogger(),
    concurrency: 3,
    connectTimeoutMs: 10_000,
    commandTimeoutMs: 30_000,
    maxOutputBytes: 16 << 20,
    maxPackages: 20_000,
    dpkgAdminDir,
    jobs: work?.jobs,
  });

const expectedReboot = (): boolean => {
  if (existsSync('/run/reboot-required') || existsSync('/var/run/reboot-required')) return true;
  const modules = existsSync('/lib/modules') ? readdirSync('/lib/modules') : [];
  return modules.length > 0 && !modules.includes(release());
};

describe('SSH inventory against OpenSSH and a real dpkg database', { skip, timeout: 120_000 }, () => {
  let server: SshdServer;
  let db: DpkgDatabase;
  let inv: InventoryService;
  let work: TestWork;

  before(async () => {
    db = await buildDpkgDatabase();
    server = await SshdServer.create([]);
    work = await startJobs(server.dir);
    inv = service(join(server.dir, 'appliance'), db.adminDir, work);
    await inv.start();
    // The technician's step: install the appliance's public key on the host.
    await server.setAuthorizedKeys([(await inv.keys.get()).publicKey]);
    await server.start();
  });
  after(async () => {
    await inv?.stop();
    await work?.stop();
    await server?.dispose();
    await db?.dispose();
  });

  test('collects OS, kernel, packages with sources, reboot state; saves the host file', async () => {
    const cred = await inv.credentials.put({ address: '127.0.0.1', port: server.port, username: 'root' });
    const result = await inv.collect((await inv.credentials.get(cred.hostId))!);
    assert.deepEqual(result.packages, [
      { name: 'pd-alpha', version: '1.0-1', arch: 'all' },
      {
        name: 'pd-beta',
        version: '2:3.4~rc1-2',
        arch: 'all',
        source: 'pd-betasrc',
        sourceVersion: '3.4~rc1-1',
      },
      { name: 'pd-delta', version: '0.5+deb12u1', arch: 'amd64', source: 'pd-deltasrc' },
    ]);
    assert.deepEqual(result.os, parseOsRelease(readFileSync('/etc/os-release', 'utf8')));
    assert.equal(result.kernel, release());
    assert.equal(result.ecosystem, 'dpkg');
    assert.equal(result.rebootRequired, expectedReboot());

    // Kept gzip-compressed, root-only, its packages as ids into the site's package table (also
    // root-only), and read back exactly as the collection returned it.
    const file = inv.inventories.file('127.0.0.1');
    assert.equal(file, join(inv.inventories.dir, '127.0.0.1.json.gz'));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat((await inv.inventories.packages()).file)).mode & 0o777, 0o600);
    const saved = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
    assert.deepEqual(saved.packageIds, [0, 1, 2]);
    assert.deepEqual(await inv.inventories.get('127.0.0.1'), result);
    const pin = await inv.knownHosts.get('127.0.0.1');
    assert.equal(pin?.pinned.fingerprint, await hostKeyFingerprint(server.hostKeyPub));
    assert.equal((await inv.attempts.get('127.0.0.1'))?.packages, 3);
  });

  test("this machine's own dpkg database: every installed package, none that is only configured", async () => {
    const own = service(join(server.dir, 'appliance'));
    await own.start();
    try {
      const result = await own.collect((await own.credentials.get('127.0.0.1'))!);
      const { stdout } = await run('dpkg-query', ['-W', `-f=\${db:Status-Abbrev} \${Package}\n`], {
        maxBuffer: 64 << 20,
      });
      const installed = stdout
        .split('\n')
        .filter((l) => /^.[iUFHWt]/.test(l))
        .map((l) => l.split(' ').pop())
        .sort();
      assert.ok(installed.length > 50, 'a real Debian system');
      assert.deepEqual(result.packages.map((p) => p.name).sort(), installed);
      assert.ok(result.packages.some((p) => p.name === 'openssh-server' && p.source === 'openssh'));
    } finally {
      await own.stop();
    }
  });

  test('a run over several hosts: the good one succeeds, refused ones fail alone', async () => {
    await inv.credentials.put({
      hostId: 'wrong-user',
      address: '127.0.0.1',
      port: server.port,
      username: 'nobody',
    });
    await inv.credentials.put({ hostId: 'no-sshd', address: '127.0.0.1', port: 1, username: 'root' });
    const started = await inv.startRun();
    await waitFor(() => inv.getRun(started.id)?.finishedAt !== undefined, 'the run to finish', 60_000);
    const r = inv.getRun(started.id)!;
    assert.equal(r.hosts.get('127.0.0.1')?.state, 'ok');
    assert.equal(r.hosts.get('wrong-user')?.state, 'failed');
    assert.match(r.hosts.get('wrong-user')!.error!, /login refused/);
    assert.match(r.hosts.get('no-sshd')!.error!, /connection refused/);
    assert.equal((await inv.attempts.get('no-sshd'))?.failure, 'connect');
  });

  test('after a host key change the run refuses the host and keeps its last inventory', async () => {
    const before = await inv.inventories.get('127.0.0.1');
    await server.stop();
    await server.newHostKey('ecdsa');
    await server.start();
    await assert.rejects(inv.collect((await inv.credentials.get('127.0.0.1'))!), /HOST KEY CHANGED/);
    assert.deepEqual(await inv.inventories.get('127.0.0.1'), before);
    const rejected = (await inv.knownHosts.get('127.0.0.1'))?.rejected;
    assert.equal(rejected?.fingerprint, await hostKeyFingerprint(server.hostKeyPub));
    await inv.acceptHostKey('127.0.0.1', rejected!.fingerprint);
    const again = await inv.collect((await inv.credentials.get('127.0.0.1'))!);
    assert.equal(again.packages.length, 3);
    assert.equal((await inv.knownHosts.get('127.0.0.1'))?.pinned.type, 'ecdsa-sha2-nistp256');
  });
});
