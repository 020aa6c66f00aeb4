/**
 * The appliance key is real OpenSSH material: ssh-keygen reads the private key file we wrote,
 * derives the same public line, and prints the same fingerprint we show in the UI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ApplianceKeyStore } from '../../../daemon/remote/keys.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const run = promisify(execFile);

test('generated key is accepted by ssh-keygen and stored 0600', async (t) => {
  const dir = join(await tempDir(t), 'ssh');
  const keys = new ApplianceKeyStore(dir, memoryLogger(), 'patch-depot@test');
  const key = await keys.get();
  assert.match(key.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=* patch-depot@test$/);
  assert.equal((await stat(keys.privateKeyPath)).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);

  const derived = await run('ssh-keygen', ['-y', '-f', keys.privateKeyPath]);
  assert.equal(
    derived.stdout.trim().split(' ').slice(0, 2).join(' '),
    key.publicKey.split(' ').slice(0, 2).join(' '),
  );
  const printed = await run('ssh-keygen', ['-lf', `${keys.privateKeyPath}.pub`]);
  assert.equal(printed.stdout.split(' ')[1], key.fingerprint);
});

test('the key is made once and reloaded, even with concurrent first use', async (t) => {
  const dir = join(await tempDir(t), 'ssh');
  const keys = new ApplianceKeyStore(dir, memoryLogger(), 'c');
  const [a, b] = await Promise.all([keys.get(), keys.get()]);
  assert.equal(a.fingerprint, b.fingerprint);
  const again = await new ApplianceKeyStore(dir, memoryLogger(), 'c').get();
  assert.equal(again.fingerprint, a.fingerprint);
  assert.equal(again.privateKey, a.privateKey);
});

test('a key made by ssh-keygen is loaded as is; a lost .pub is restored; loose modes are tightened', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'x', '-f', file]);
  const expected = (await run('ssh-keygen', ['-lf', `${file}.pub`])).stdout.split(' ')[1];
  await run('rm', [`${file}.pub`]);
  await run('chmod', ['644', file]);
  const key = await new ApplianceKeyStore(dir, memoryLogger(), 'x').get();
  assert.equal(key.fingerprint, expected);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.ok((await readFile(`${file}.pub`, 'utf8')).startsWith('ssh-ed25519 '));
});

test('a damaged key file is reported with its path, never silently replaced', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'id_ed25519'), 'not a key', { mode: 0o600 });
  await assert.rejects(
    new ApplianceKeyStore(dir, memoryLogger()).get(),
    /id_ed25519: not an OpenSSH private key file/,
  );
  assert.equal(await readFile(join(dir, 'id_ed25519'), 'utf8'), 'not a key');
});
