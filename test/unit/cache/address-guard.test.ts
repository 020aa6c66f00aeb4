import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressGuard } from '../../../daemon/cache/address-guard.js';

const names: Record<string, string[]> = {
  'cdn.mirror.test': ['198.51.100.7', '2001:db8::7'],
  'rebound.mirror.test': ['198.51.100.8', '127.0.0.1'],
  'metadata.mirror.test': ['169.254.169.254'],
  'self.mirror.test': ['192.0.2.10'],
  'mapped-self.mirror.test': ['::ffff:192.0.2.10'],
  'long-self.mirror.test': ['2001:db8:0:0:0:0:0:10'],
};
const guard = new AddressGuard({
  resolve: async (host) => {
    const found = names[host];
    if (!found) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    return found;
  },
  ownAddresses: () => ['127.0.0.1', '192.0.2.10', 'fe80::1', '2001:db8::10'],
});
const start = new URL('http://mirror.test/debian/pool/x.deb');
const refusal = (to: string, from = start) => guard.refusal(from, new URL(to));

test('redirect targets on loopback, link-local, unspecified or own addresses are refused', async () => {
  for (const to of [
    'http://127.0.0.1/x',
    'http://127.1.2.3:8080/x',
    'http://2130706433/x',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/x',
    'http://[::1]/x',
    'http://[::]/x',
    'http://[fe80::1234]/x',
    'http://[::ffff:127.0.0.1]/x',
  ]) {
    assert.match(String(await refusal(to)), /loopback, link-local or unspecified/, to);
  }
  assert.match(String(await refusal('http://192.0.2.10/x')), /this appliance's own addresses/);
  assert.match(String(await refusal('http://self.mirror.test/x')), /own addresses/);
  // The same address in another spelling: IPv4-mapped (a dual-stack socket reaches 192.0.2.10), or uncompressed.
  assert.match(String(await refusal('http://[::ffff:192.0.2.10]/x')), /own addresses/);
  assert.match(String(await refusal('http://mapped-self.mirror.test/x')), /own addresses/);
  assert.match(String(await refusal('http://long-self.mirror.test/x')), /own addresses/);
  assert.match(
    String(await refusal('http://metadata.mirror.test/x')),
    /169\.254\.169\.254 is a loopback, link-local/,
  );
  assert.match(
    String(await refusal('http://rebound.mirror.test/x')),
    /127\.0\.0\.1/,
    'any resolved address counts',
  );
  assert.match(String(await refusal('http://nowhere.mirror.test/x')), /does not resolve/);
});

test('public addresses, and the configured host itself, are allowed', async () => {
  assert.equal(await refusal('http://198.51.100.9/debian/x'), undefined);
  assert.equal(await refusal('https://cdn.mirror.test/debian/x'), undefined);
  assert.equal(await refusal('http://[2001:db8::1]/x'), undefined);
  // A mirror on loopback (tests) or on the appliance may redirect within its own host.
  const local = new URL('http://127.0.0.1:3000/debian/x');
  assert.equal(await refusal('http://127.0.0.1:3000/debian/y', local), undefined);
  assert.match(String(await refusal('http://127.0.0.2:3000/debian/y', local)), /loopback/);
});
