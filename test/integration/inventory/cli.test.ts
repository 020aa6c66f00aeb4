/**
 * `patch-depot inventory` as a technician runs it, against a real sshd on 127.0.0.1: print the
 * appliance key, collect (JSON and human output), refuse a changed host key with a non-zero exit,
 * accept it with --accept-host-key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HostDirectory } from '../../../daemon/hosts/host-directory.js';
import { hostInventorySchema } from '../../../daemon/inventory/types.js';
import { hostKeyFingerprint, SshdServer, sshdUnavailable } from '../../support/sshd-server.js';

const main = fileURLToPath(new URL('../../../daemon/main.ts', import.meta.url));

const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', main, 'inventory', ...args],
      { maxBuffer: 64 << 20, env: { ...process.env, PATCH_DEPOT_LOG_LEVEL: 'info' } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('patch-depot inventory', { skip: sshdUnavailable(), timeout: 120_000 }, () => {
  let server: SshdServer;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pd-cli-'));
    await writeFile(join(dataDir, 'state.json'), '{}');
    server = await SshdServer.create([]);
    await server.start();
  });
  after(async () => {
    await server?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('prints the public key, then collects this machine over SSH', async () => {
    const key = await cli(['--data-dir', dataDir, '--public-key']);
    assert.equal(key.code, 0, key.stderr);
    assert.match(key.stdout, /^ssh-ed25519 \S+ patch-depot@\S+\n$/);
    assert.match(key.stderr, /fingerprint SHA256:/);
    await server.setAuthorizedKeys([key.stdout.trim()]);

    const args = [
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--user',
      'root',
    ];
    const json = await cli([...args, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const inv = hostInventorySchema.parse(JSON.parse(json.stdout));
    // Filed under the machine's host id, the one the daemon's host directory knows it by.
    const directory = new HostDirectory(join(dataDir, 'hosts', 'directory.json'));
    await directory.start();
    assert.equal(inv.hostId, directory.byAddress('127.0.0.1')?.id);
    assert.match(inv.hostId, /^h-[0-9a-f]{10}$/);
    assert.equal(inv.ecosystem, 'dpkg');
    assert.ok(inv.packages.some((p) => p.name === 'openssh-server'));
    assert.match(json.stderr, /host key pinned on first use/);
    assert.ok(existsSync(join(dataDir, 'inventory', 'hosts', `${inv.hostId}.json.gz`)));

    const human = await cli(args);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /· dpkg · \d+ packages\nreboot required: (yes|no) · collected /);
    assert.match(human.stdout, /\nopenssh-server +\S+ +\S+ +\(source openssh /);
  });

  test('a changed host key exits non-zero naming both fingerprints; --accept-host-key takes it', async () => {
    const args = [
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--user',
      'root',
    ];
    const oldFp = await hostKeyFingerprint(server.hostKeyPub);
    await server.stop();
    await server.newHostKey('ed25519');
    await server.start();
    const newFp = await hostKeyFingerprint(server.hostKeyPub);
    const refused = await cli([...args, '--json']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.ok(refused.stderr.includes(`pinned ${oldFp}, presented ${newFp}`), refused.stderr);
    assert.ok(refused.stderr.includes(`--accept-host-key ${newFp}`));
    const wrong = await cli([...args, '--accept-host-key', oldFp]);
    assert.equal(wrong.code, 1);
    const accepted = await cli([...args, '--accept-host-key', newFp, '--json']);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stderr, /changed host key accepted/);
  });

  test('usage errors', async () => {
    const missing = await cli(['--data-dir', dataDir]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing --host ADDR: .* \(or give --public-key\)/);
    const bad = await cli(['--data-dir', dataDir, '--host', 'bad host!', '--user', 'root']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /address: expected an IPv4\/IPv6 address or a host name/);
    const directory = new HostDirectory(join(dataDir, 'hosts', 'directory.json'));
    await directory.start();
    assert.equal(directory.resolve('bad host!'), undefined, 'a refused address leaves no machine behind');
  });
});
