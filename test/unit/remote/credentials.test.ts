import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DepotError } from '../../../daemon/errors.js';
import { CredentialStore } from '../../../daemon/remote/credentials.js';
import { tempDir } from '../../temp-dir.js';

test('credentials are stored 0600 and the password never comes back in views', async (t) => {
  const file = join(await tempDir(t), 'credentials.json');
  const store = new CredentialStore(file);
  const saved = await store.put({ address: '192.168.1.20', username: 'deploy', password: 's3cret!' });
  assert.deepEqual(
    { ...saved, updatedAt: '' },
    {
      hostId: '192.168.1.20',
      address: '192.168.1.20',
      port: 22,
      username: 'deploy',
      hasPassword: true,
      updatedAt: '',
    },
  );
  assert.ok(!JSON.stringify(await store.list()).includes('s3cret'));
  assert.ok(!JSON.stringify(await store.view('192.168.1.20')).includes('s3cret'));
  assert.equal((await store.get('192.168.1.20'))?.password, 's3cret!');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});

test('an empty password keeps the stored one; clearPassword removes it', async (t) => {
  const store = new CredentialStore(join(await tempDir(t), 'c.json'));
  await store.put({ address: 'nas.lan', username: 'admin', password: 'pw', port: 2222 });
  await store.put({ address: 'nas.lan', username: 'root', password: '' });
  const kept = await store.get('nas.lan');
  assert.equal(kept?.password, 'pw');
  assert.equal(kept?.username, 'root');
  assert.equal(kept?.port, 22);
  await store.put({ address: 'nas.lan', username: 'root', clearPassword: true });
  assert.equal((await store.get('nas.lan'))?.password, undefined);
  assert.equal((await store.view('nas.lan'))?.hasPassword, false);
});

test('bad input is refused with the field and nothing is written', async (t) => {
  const file = join(await tempDir(t), 'c.json');
  const store = new CredentialStore(file);
  await store.put({ address: '10.0.0.1', username: 'ok' });
  const before = await readFile(file, 'utf8');
  for (const [input, field] of [
    [{ address: 'bad host!', username: 'u' }, 'address'],
    // digits and dots: a mistyped IPv4 address, not a host name to look up
    [{ address: '999.1.1.1', username: 'u' }, 'address: not an IPv4 address'],
    [{ address: '10.0.0', username: 'u' }, 'address: not an IPv4 address'],
    [{ address: '10.0.0.2', username: 'u; rm -rf /' }, 'username'],
    [{ address: '10.0.0.2', username: 'u', port: 70000 }, 'port'],
    [{ address: '10.0.0.2', username: 'u', hostId: '../etc' }, 'hostId'],
    [{ address: '10.0.0.2', username: 'u', password: 'x'.repeat(2000) }, 'password'],
  ] as const) {
    await assert.rejects(
      store.put(input),
      (e: unknown) => e instanceof DepotError && e.code === 'BAD_INPUT' && e.message.startsWith(`${field}:`),
      field,
    );
  }
  assert.equal(await readFile(file, 'utf8'), before);
});

test('IPv6 addresses and host names are accepted; delete returns what was removed', async (t) => {
  const store = new CredentialStore(join(await tempDir(t), 'c.json'));
  await store.put({ address: 'fd00::10', username: 'u' });
  await store.put({ address: 'printer-3.branch.example', username: 'u', hostId: 'asset-42' });
  assert.deepEqual(
    (await store.list()).map((c) => c.hostId),
    ['asset-42', 'fd00::10'],
  );
  assert.equal((await store.delete('asset-42'))?.address, 'printer-3.branch.example');
  assert.equal(await store.delete('asset-42'), undefined);
});
