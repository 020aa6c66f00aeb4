import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../../../daemon/config.js';
import { proxyUrlFor } from '../../../daemon/deploy/ssh-adapters.js';
import type { LocalInterfaces } from '../../../daemon/discovery/ports.js';

const twoLans: LocalInterfaces = {
  connectedSubnets: () => [
    { interface: 'eth0', address: '192.168.10.2', cidr: '192.168.10.0/24', mac: null },
    { interface: 'eth1', address: '10.20.0.1', cidr: '10.20.0.0/16', mac: null },
  ],
};
const urlFor = (cache: object, http: object = {}) =>
  proxyUrlFor(configSchema.parse({ dataDir: '/x', cache, http }), twoLans);

test('a proxy on every address is reached at this machine’s address on the host’s own subnet', () => {
  const url = urlFor({});
  assert.equal(url('192.168.10.77'), 'http://192.168.10.2:3142/');
  assert.equal(url('10.20.3.4'), 'http://10.20.0.1:3142/');
  assert.equal(url('172.16.0.9'), undefined, 'a routed host: which address it reaches is unknown');
  assert.equal(urlFor({}, { host: '::' })('10.20.3.4'), 'http://10.20.0.1:3142/');
});

test('a configured proxy address is used for every host; loopback or a disabled cache means direct', () => {
  assert.equal(
    urlFor({ proxy: { host: '192.168.10.2', port: 3143 } })('172.16.0.9'),
    'http://192.168.10.2:3143/',
  );
  assert.equal(urlFor({}, { host: '192.168.10.2' })('10.20.3.4'), 'http://192.168.10.2:3142/');
  assert.equal(urlFor({ proxy: { host: 'fd00::2' } })('10.20.3.4'), 'http://[fd00::2]:3142/');
  assert.equal(urlFor({}, { host: '127.0.0.1' })('192.168.10.77'), undefined);
  assert.equal(urlFor({ proxy: { enabled: false } })('192.168.10.77'), undefined);
  assert.equal(urlFor({ enabled: false })('192.168.10.77'), undefined);
});
