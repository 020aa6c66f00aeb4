import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../../../daemon/config.js';
import { proxyUrlFor, SshExecutors } from '../../../daemon/deploy/ssh-adapters.js';
import type { LocalInterfaces } from '../../../daemon/discovery/ports.js';
import type { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { FakeRunner, fakeHostKey } from '../../fakes/inventory-runner.js';

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

test('each host gets the package tool of its inventory: apt, dnf or apk (apt when never inventoried)', async () => {
  const runner = new FakeRunner();
  runner.add('10.0.0.5', 22, {
    hostKey: fakeHostKey('h1'),
    logins: { root: { privateKey: 'K' } },
    answers: [['', { stdout: '', stderr: 'Operation aborted.\n', exitCode: 1 }]],
  });
  const cred = { hostId: 'h1', address: '10.0.0.5', port: 22, username: 'root' };
  let ecosystem: string | undefined;
  const inventory = {
    credentials: { get: async () => cred },
    inventories: {
      get: async () => (ecosystem ? { ecosystem } : Promise.reject(new Error('no inventory'))),
    },
    openSessionFor: (_c: unknown, signal?: AbortSignal) =>
      runner.connect(
        { host: '10.0.0.5', port: 22, username: 'root', privateKey: 'K', verifyHostKey: async () => {} },
        { timeoutMs: 1000, signal },
      ),
  } as unknown as InventoryService;
  const executors = new SshExecutors(inventory, () => 'http://10.0.0.2:3142/');
  const change = (eco: 'dpkg' | 'rpm' | 'apk', version: string) => ({
    hostId: 'h1',
    ecosystem: eco,
    upgrades: [{ name: 'pdlab', version, advisories: [] }],
    allowRemove: [],
  });
  const sent: string[] = [];
  for (const [eco, version, program] of [
    [undefined, '1.0-2', "'/usr/bin/apt-get' '-s'"],
    ['dpkg', '1.0-2', "'/usr/bin/apt-get' '-s'"],
    ['rpm', '1.0-2', "'/usr/bin/dnf' '--assumeno'"],
    ['apk', '1.0-r2', "'/sbin/apk' 'add'"],
  ] as const) {
    ecosystem = eco;
    const exec = await executors.forHost('h1');
    assert.ok(exec);
    await exec.dryRun(change(eco ?? 'dpkg', version)).catch(() => undefined);
    const command = runner.commands.at(-1)!.command;
    sent.push(command);
    assert.ok(command.includes(program), `${eco}: ${command}`);
  }
  assert.match(sent[2]!, /'--setopt=proxy=http:\/\/10\.0\.0\.2:3142\/'/);
  assert.match(sent[3]!, /^HTTP_PROXY='http:\/\/10\.0\.0\.2:3142\/'/);
});
