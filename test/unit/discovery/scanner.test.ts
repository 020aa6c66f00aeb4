import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIpv4 } from '../../../daemon/discovery/ipv4.js';
import { MAX_SERVICES, runScan, type ScanProgress } from '../../../daemon/discovery/scanner.js';
import { expandScope } from '../../../daemon/discovery/scope.js';
import { FakeNetwork, fastSettings } from '../../fakes/discovery-network.js';

const office = () =>
  new FakeNetwork([
    { ip: '10.0.0.1', mac: '02:00:00:00:00:01' },
    {
      ip: '10.0.0.10',
      mac: '00:1b:a9:00:00:01',
      open: [631, 9100],
      mdnsHostname: 'brother-hl',
      services: [
        { name: 'Brother HL', type: 'ipp', protocol: 'tcp', port: 631, txt: { ty: 'Brother HL-L2350DW' } },
      ],
    },
    {
      ip: '10.0.0.11',
      mac: '02:00:00:00:00:0b',
      open: [22, 80],
      banners: { 22: 'SSH-2.0-OpenSSH_9.2p1 Debian-2', 80: 'nginx' },
    },
    // Drops ICMP and TCP but answers ARP: found through the neighbour table.
    { ip: '10.0.0.12', mac: '02:00:00:00:00:0c', icmp: false, tcpSilent: true },
    { ip: '10.0.0.13', mac: '02:00:00:00:00:0d', reverse: ['pc13.office.lan'] },
    { ip: '10.0.0.20', mac: '02:00:00:00:00:14' },
  ]);

test('finds every live host with its MAC, ports, banners, mDNS names and class', async () => {
  const net = office();
  const found = await runScan(
    expandScope({ include: ['10.0.0.0/24'], exclude: [] }, 4096),
    net.ports(),
    fastSettings,
  );
  const by = new Map(found.map((o) => [o.ip, o]));
  assert.deepEqual(
    [...by.keys()],
    ['10.0.0.1', '10.0.0.10', '10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.20'],
  );
  const printer = by.get('10.0.0.10')!;
  assert.equal(printer.mac, '00:1b:a9:00:00:01');
  assert.match(printer.vendor ?? '', /Brother/);
  assert.equal(printer.deviceClass, 'printer');
  assert.deepEqual(printer.openPorts, [631, 9100]);
  assert.deepEqual(printer.hostnames, ['brother-hl.local']);
  assert.equal(printer.model, 'Brother HL-L2350DW');
  assert.ok(printer.evidence.some((e) => e.includes('9100')));
  const server = by.get('10.0.0.11')!;
  assert.equal(server.deviceClass, 'server');
  assert.equal(server.os, 'Debian');
  assert.equal(server.banners['22'], 'SSH-2.0-OpenSSH_9.2p1 Debian-2');
  assert.deepEqual(by.get('10.0.0.12')!.seenBy, ['arp']);
  assert.deepEqual(by.get('10.0.0.13')!.hostnames, ['pc13.office.lan']);
  assert.ok(by.get('10.0.0.1')!.evidence.includes('this appliance'));
  // The appliance's own row is named as the machine calls itself; no other row gets that name.
  assert.deepEqual(by.get('10.0.0.1')!.hostnames, ['depot-box']);
  assert.ok(found.filter((o) => o.hostnames.includes('depot-box')).length === 1);
});

test('never sends anything to excluded or out-of-scope addresses, and drops their mDNS answers', async () => {
  const net = office();
  net.add({
    ip: '10.0.0.200',
    mac: '02:00:00:00:00:c8',
    services: [{ name: 'Outside', type: 'http', protocol: 'tcp', port: 80, txt: {} }],
  });
  const addresses = expandScope({ include: ['10.0.0.0/25'], exclude: ['10.0.0.11', '10.0.0.12'] }, 4096);
  const found = await runScan(addresses, net.ports(), fastSettings);
  assert.deepEqual(net.touched('10.0.0.11'), []);
  assert.deepEqual(net.touched('10.0.0.12'), []);
  assert.deepEqual(net.touched('10.0.0.200'), []);
  const allowed = new Set(addresses.map(formatIpv4));
  for (const p of net.probes) assert.ok(allowed.has(p.ip), `${p.kind} probe to ${p.ip} is inside the scope`);
  assert.ok(!found.some((o) => ['10.0.0.11', '10.0.0.12', '10.0.0.200'].includes(o.ip)));
});

test('without ICMP it falls back to TCP connects; a refused connect proves a live host', async () => {
  const net = office();
  net.icmpAvailable = false;
  const found = await runScan(
    expandScope({ include: ['10.0.0.8-14'], exclude: [] }, 64),
    net.ports(),
    fastSettings,
  );
  assert.deepEqual(
    found.map((o) => o.ip),
    ['10.0.0.10', '10.0.0.11', '10.0.0.12', '10.0.0.13'],
  );
  assert.ok(found.find((o) => o.ip === '10.0.0.13')!.seenBy.includes('tcp'));
});

test('off-link addresses get TCP liveness probes; on-link ones rely on ICMP and ARP', async () => {
  const net = new FakeNetwork([{ ip: '172.16.5.9', icmp: false, open: [443] }]);
  const found = await runScan(
    expandScope({ include: ['172.16.5.8/30'], exclude: [] }, 64),
    net.ports(),
    fastSettings,
  );
  assert.deepEqual(
    found.map((o) => [o.ip, o.mac, o.openPorts.includes(443)]),
    [['172.16.5.9', null, true]],
  );
  const onLink = office();
  await runScan(expandScope({ include: ['10.0.0.30-31'], exclude: [] }, 64), onLink.ports(), fastSettings);
  assert.deepEqual(
    onLink.probes.map((p) => p.kind),
    ['icmp', 'icmp'],
  );
});

test('reports progress through every phase and can be aborted', async () => {
  const net = office();
  const phases: ScanProgress['phase'][] = [];
  await runScan(
    expandScope({ include: ['10.0.0.0/28'], exclude: [] }, 64),
    net.ports(),
    fastSettings,
    (p) => {
      if (phases.at(-1) !== p.phase) phases.push(p.phase);
    },
  );
  assert.deepEqual(phases, ['icmp', 'tcp', 'enrich', 'mdns', 'done']);
  const abort = new AbortController();
  abort.abort(new Error('stop'));
  await assert.rejects(
    runScan([1], net.ports(), fastSettings, () => {}, abort.signal),
    /stop/,
  );
});

test('a failing ICMP sweep or neighbour table degrades the scan with a warning instead of stopping it', async () => {
  const net = office();
  const ports = net.ports();
  ports.icmp = { name: 'broken', sweep: async () => Promise.reject(new Error('operation not permitted')) };
  ports.neighbours = { read: async () => Promise.reject(new Error('no ip')), forget: async () => {} };
  const warnings: string[] = [];
  const found = await runScan(
    expandScope({ include: ['10.0.0.10-11'], exclude: [] }, 64),
    ports,
    fastSettings,
    () => {},
    undefined,
    (m) => warnings.push(m),
  );
  assert.deepEqual(warnings.sort(), [
    'ICMP sweep with broken failed; relying on ARP and TCP',
    'could not read the neighbour table: no MAC addresses this scan',
  ]);
  // On-link and without ICMP or ARP, only mDNS still speaks up.
  assert.deepEqual(
    found.map((o) => [o.ip, o.seenBy]),
    [['10.0.0.10', ['mdns']]],
  );
});

test('a host that answers only ARP is found again on the next scan (stale entries are refreshed)', async () => {
  const net = office();
  const addresses = expandScope({ include: ['10.0.0.12'], exclude: [] }, 64);
  assert.equal((await runScan(addresses, net.ports(), fastSettings)).length, 1);
  net.age();
  const again = await runScan(addresses, net.ports(), fastSettings);
  assert.deepEqual(
    again.map((o) => [o.ip, o.mac, o.seenBy]),
    [['10.0.0.12', '02:00:00:00:00:0c', ['arp']]],
  );
  // Without the right to clear entries the scan says so and carries on.
  net.age();
  net.canForget = false;
  const warnings: string[] = [];
  await runScan(
    addresses,
    net.ports(),
    fastSettings,
    () => {},
    undefined,
    (m) => warnings.push(m),
  );
  assert.match(warnings[0] ?? '', /could not refresh 1 neighbour entries/);
});

test('a large scope is swept in chunks, dropping unanswered neighbour entries between them', async () => {
  const net = new FakeNetwork([
    { ip: '10.0.0.20', mac: '02:00:00:00:00:14' },
    { ip: '10.0.2.30', mac: '02:00:00:00:02:1e', icmp: false },
    { ip: '10.0.3.200', mac: '02:00:00:00:03:c8' },
  ]);
  net.subnets = [{ interface: 'eth0', address: '10.0.0.1', cidr: '10.0.0.0/22', mac: '02:00:00:00:00:01' }];
  const addresses = expandScope({ include: ['10.0.0.0/22'], exclude: ['10.0.0.1'] }, 4096);
  const found = await runScan(addresses, net.ports(), { ...fastSettings, ports: [], mdns: false });
  assert.deepEqual(
    found.map((o) => [o.ip, o.mac, o.seenBy.join('+')]),
    [
      ['10.0.0.20', '02:00:00:00:00:14', 'arp+icmp'],
      ['10.0.2.30', '02:00:00:00:02:1e', 'arp'],
      ['10.0.3.200', '02:00:00:00:03:c8', 'arp+icmp'],
    ],
  );
  // Each chunk freed the entries of the addresses that did not answer (all on eth0).
  assert.equal(net.icmpBatches.length, 4);
  assert.ok(net.icmpBatches.every((b) => b <= 256));
  assert.equal(net.forgotten.filter((e) => e.dev === 'eth0').length, addresses.length - 3);
});

test('a host advertising hundreds of mDNS services is listed with the first 64, each once', async () => {
  // Every service was kept, each looked for among the host's others: a LAN host's 1,000 services
  // at 2,000 addresses were 25 s of the daemon's thread per scan and 135 MB in the assets.
  const services = Array.from({ length: 500 }, (_, i) => ({
    name: `svc ${i}`,
    type: 'http',
    protocol: 'tcp',
    port: 80,
    txt: {},
  }));
  const net = new FakeNetwork([
    { ip: '10.0.0.30', mac: '02:00:00:00:00:1e', services: [...services, ...services] },
  ]);
  const [found] = await runScan(
    expandScope({ include: ['10.0.0.30'], exclude: [] }, 64),
    net.ports(),
    fastSettings,
  );
  assert.equal(found?.services.length, MAX_SERVICES);
  assert.deepEqual(
    found?.services.map((s) => s.name),
    services.slice(0, MAX_SERVICES).map((s) => s.name),
  );
});
