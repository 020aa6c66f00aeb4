import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { algorithmsForKeyType, hostPortKey, KnownHosts } from '../../../daemon/remote/known-hosts.js';
import { HostKeyChangedError } from '../../../daemon/remote/remote-error.js';
import { fingerprintOf } from '../../../daemon/remote/ssh-key-format.js';
import { fakeHostKey } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

test('first key is pinned, the same key passes, a different one is refused and remembered', async (t) => {
  const file = join(await tempDir(t), 'known-hosts.json');
  const log = memoryLogger();
  const hosts = new KnownHosts(file, log);
  const a = fakeHostKey('a');
  const b = fakeHostKey('b');
  assert.equal(await hosts.verify('h-1', a), 'pinned');
  assert.equal(await hosts.verify('h-1', a), 'known');
  // Pins are per machine.
  assert.equal(await hosts.verify('h-2', b), 'pinned');
  await assert.rejects(hosts.verify('h-1', b, { label: '10.0.0.5:22' }), (e: unknown) => {
    assert.ok(e instanceof HostKeyChangedError);
    assert.equal(e.pinnedFingerprint, fingerprintOf(a.blob));
    assert.equal(e.presentedFingerprint, fingerprintOf(b.blob));
    assert.match(e.message, /HOST KEY CHANGED for 10\.0\.0\.5:22/);
    assert.match(e.message, /accept-host-key SHA256:/);
    return true;
  });
  const entry = await hosts.get('h-1');
  assert.equal(entry?.pinned.fingerprint, fingerprintOf(a.blob));
  assert.equal(entry?.rejected?.fingerprint, fingerprintOf(b.blob));
  assert.ok(log.lines.some((l) => l.level === 'error' && l.msg === 'host key changed: connection refused'));
  // The file is the durable record, readable by a restart.
  const reread = await new KnownHosts(file, log).get('h-1');
  assert.deepEqual(reread, entry);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).version, 1);
});

test('a changed key is accepted only with its exact fingerprint', async (t) => {
  const hosts = new KnownHosts(join(await tempDir(t), 'k.json'), memoryLogger());
  const a = fakeHostKey('a');
  const b = fakeHostKey('b');
  const c = fakeHostKey('c');
  await hosts.verify('h', a);
  await assert.rejects(
    hosts.verify('h', b, { acceptFingerprint: fingerprintOf(c.blob) }),
    HostKeyChangedError,
  );
  await assert.rejects(hosts.acceptRejected('h', fingerprintOf(c.blob)), /nothing accepted/);
  await hosts.acceptRejected('h', fingerprintOf(b.blob));
  assert.equal(await hosts.verify('h', b), 'known');
  // The command-line path: accept during the connection itself.
  assert.equal(await hosts.verify('h', c, { acceptFingerprint: fingerprintOf(c.blob) }), 'pinned');
  assert.equal((await hosts.get('h'))?.pinned.fingerprint, fingerprintOf(c.blob));
  await assert.rejects(hosts.acceptRejected('h', 'SHA256:x'), /no refused host key/);
});

test('concurrent first connections pin one key and lose no other host', async (t) => {
  const hosts = new KnownHosts(join(await tempDir(t), 'k.json'), memoryLogger());
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => hosts.verify(`h-${i % 10}`, fakeHostKey(`k${i % 10}`))),
  );
  assert.ok(results.every((r) => r.status === 'fulfilled'));
  assert.equal(Object.keys(await hosts.all()).length, 10);
});

test('a damaged file is reported, not replaced', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'k.json');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, '{"version":1,"hosts":{"h:22":{"pinned":{}}}}');
  const hosts = new KnownHosts(file, memoryLogger());
  await assert.rejects(hosts.verify('h:22', fakeHostKey('a')), /k\.json: hosts\.h:22\.pinned/);
  assert.match(await readFile(file, 'utf8'), /"pinned":\{\}/);
});

test('address-keyed pins move to their hosts; a newer pin under the new key wins; nothing is lost', async (t) => {
  const hosts = new KnownHosts(join(await tempDir(t), 'k.json'), memoryLogger());
  const [a, b, c] = [fakeHostKey('a'), fakeHostKey('b'), fakeHostKey('c')];
  await hosts.verify(hostPortKey('10.0.0.5', 22), a);
  await hosts.verify(hostPortKey('10.0.0.6', 22), b);
  await hosts.verify('h-6', c);
  await hosts.verify(hostPortKey('10.0.0.7', 22), c);
  const moved = await hosts.adopt([
    [hostPortKey('10.0.0.5', 22), 'h-5'],
    // Two targets at one address:port both keep its pin.
    [hostPortKey('10.0.0.5', 22), 'h-5b'],
    [hostPortKey('10.0.0.6', 22), 'h-6'],
  ]);
  assert.equal(moved, 2);
  const all = await hosts.all();
  assert.deepEqual(Object.keys(all).sort(), ['10.0.0.7:22', 'h-5', 'h-5b', 'h-6']);
  assert.equal(all['h-5']?.pinned.fingerprint, fingerprintOf(a.blob));
  assert.equal(all['h-5b']?.pinned.fingerprint, fingerprintOf(a.blob));
  assert.equal(all['h-6']?.pinned.fingerprint, fingerprintOf(c.blob), 'the pin already under the host wins');
  assert.equal(await hosts.adopt([[hostPortKey('10.0.0.5', 22), 'h-5']]), 0, 'idempotent');
});

test('host:port keys and algorithm lists', () => {
  assert.equal(hostPortKey('Host.LAN', 22), 'host.lan:22');
  assert.equal(hostPortKey('fe80::1', 2222), '[fe80::1]:2222');
  assert.deepEqual(algorithmsForKeyType('ssh-rsa'), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  assert.deepEqual(algorithmsForKeyType('ssh-ed25519'), ['ssh-ed25519']);
});

test('a changed key names the command to accept it with its address, ready to paste', () => {
  const e = new HostKeyChangedError('10.213.93.20:22', 'SHA256:old', 'SHA256:new');
  assert.match(e.message, /`patch-depot inventory --host 10\.213\.93\.20 --accept-host-key SHA256:new`/);
  const other = new HostKeyChangedError('[fd00::5]:2222', 'SHA256:old', 'SHA256:new');
  assert.match(
    other.message,
    /`patch-depot inventory --host fd00::5 --port 2222 --accept-host-key SHA256:new`/,
  );
});
