/**
 * Discovery on a real (simulated) LAN: `patch-depot discover` runs inside the lab's appliance
 * namespace against live, silent, port-open and mDNS-advertising hosts. It must find every live
 * host with the right MAC and the mDNS names, and never send a packet to an excluded address or
 * outside the scope: nft counters inside those hosts' namespaces prove it.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { nftAvailable } from '../../scripts/lab/packet-filter.js';
import { officeHosts } from '../../scripts/lab/site.js';
import { tsxInNamespace } from './helpers/in-namespace.js';

const skip =
  labUnavailableReason() ??
  (nftAvailable() ? undefined : 'nft is needed to count packets (apt-get install nftables)');

interface Found {
  ip: string;
  mac: string | null;
  vendor: string | null;
  hostnames: string[];
  services: Array<{ name: string; type: string; txt: Record<string, string> }>;
  openPorts: number[];
  banners: Record<string, string>;
  class: string;
  seenBy: string[];
  evidence: string[];
}

describe('discovery in the lab', { skip }, () => {
  let lab: Lab;
  let dataDir: string;
  before(async () => {
    lab = await createLab({
      name: `${process.env.LAB_PREFIX ?? 'd'}${randomBytes(3).toString('hex')}`,
      hosts: [
        ...officeHosts(7),
        { kind: 'ping', label: 'excluded', countPackets: true },
        {
          kind: 'mdns',
          label: 'outside',
          octet: 200,
          countPackets: true,
          mdnsHostname: 'outside-box',
          services: [{ type: 'http', name: 'Outside', port: 80 }],
        },
      ],
    });
    dataDir = await mkdtemp(join(tmpdir(), 'pd-lab-'));
  });
  after(async () => {
    await lab?.down();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const discover = async (args: string[]): Promise<Found[]> => {
    const stdout = await tsxInNamespace(lab.applianceNs, ['daemon/main.ts', 'discover', ...args, '--json'], {
      PATCH_DEPOT_DATA_DIR: dataDir,
    });
    return JSON.parse(stdout) as Found[];
  };

  it('finds every live host with its MAC, names and services, and never touches excluded or out-of-scope hosts', async () => {
    const base = lab.subnet.replace('.0/24', '');
    const excluded = lab.host('excluded');
    const outside = lab.host('outside');
    const found = await discover(['--scope', `${base}.0/25`, '--exclude', excluded.ip]);
    const by = new Map(found.map((f) => [f.ip, f]));

    const inScope = lab.hosts.filter((h) => h.label !== 'excluded' && h.label !== 'outside');
    for (const h of inScope) {
      const f = by.get(h.ip);
      assert.ok(f, `${h.label} (${h.ip}) found`);
      assert.equal(f.mac, h.mac, `${h.label} has its MAC`);
    }
    assert.deepEqual(
      by.get(lab.host('silent').ip)?.seenBy,
      ['arp'],
      'the silent host shows up only through ARP',
    );
    assert.equal(by.get(lab.applianceIp)?.mac, lab.applianceMac);
    assert.equal(found.length, inScope.length + 1, 'nothing else: the hosts plus the appliance itself');

    const printer = by.get(lab.host('printer').ip)!;
    assert.deepEqual(printer.hostnames, ['brother-hl.local']);
    assert.ok(printer.services.some((s) => s.type === 'ipp' && s.txt.ty === 'Brother HL-L2350DW series'));
    assert.match(printer.vendor ?? '', /Brother/);
    assert.equal(printer.class, 'printer');
    const tv = by.get(lab.host('tv').ip)!;
    assert.deepEqual(tv.hostnames, ['living-room-tv.local']);
    assert.equal(tv.class, 'iot');
    const server = by.get(lab.host('server').ip)!;
    assert.deepEqual(server.openPorts, [22, 80]);
    assert.equal(server.banners['22'], 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
    assert.equal(server.banners['80'], 'nginx/1.22.1');
    assert.equal(server.class, 'server');

    assert.ok(!by.has(excluded.ip), 'the excluded host is not reported');
    assert.ok(!by.has(outside.ip), 'mDNS answers from outside the scope are dropped');
    assert.deepEqual(
      await lab.packetCounts('excluded'),
      { ip: 0, arpRequests: 0 },
      'no packet ever reached the excluded host',
    );
    assert.deepEqual(
      await lab.packetCounts('outside'),
      { ip: 0, arpRequests: 0 },
      'no packet left the scope',
    );

    // The counters do count: a single ping from the appliance shows up.
    await lab.exec(lab.applianceNs, ['ping', '-c', '1', '-W', '1', excluded.ip]);
    const counted = await lab.packetCounts('excluded');
    assert.ok(counted.ip >= 1 && counted.arpRequests >= 1, JSON.stringify(counted));
  });

  it('finds a host that answers only ARP again on every later scan (no stale neighbour entry hides it)', async () => {
    const silent = lab.host('silent');
    for (let i = 0; i < 2; i++) {
      const found = await discover(['--scope', silent.ip]);
      assert.deepEqual(
        found.map((f) => [f.ip, f.mac, f.seenBy]),
        [[silent.ip, silent.mac, ['arp']]],
        `scan ${i + 1}`,
      );
    }
  });

  it('the kernel neighbour table adapter reads and drops entries, tolerating ones already gone', async () => {
    const pc = lab.host('pc1');
    const base = lab.subnet.replace('.0/24', '');
    await lab.exec(lab.applianceNs, ['ping', '-c', '1', '-W', '1', pc.ip]);
    const script = `
      import { KernelNeighbourTable } from './daemon/discovery/neighbour-table.ts';
      const t = new KernelNeighbourTable();
      const before = await t.read();
      await t.forget([...before.filter((e) => e.ip === '${pc.ip}'), { ip: '${base}.250', mac: '', state: 'FAILED', dev: 'eth0' }]);
      const after = await t.read();
      console.log(JSON.stringify({ before, after }));`;
    const stdout = await tsxInNamespace(lab.applianceNs, ['--input-type=module', '-e', script]);
    const r = JSON.parse(stdout) as {
      before: Array<{ ip: string; mac: string; dev: string }>;
      after: Array<{ ip: string }>;
    };
    assert.ok(r.before.some((e) => e.ip === pc.ip && e.mac === pc.mac && e.dev === 'eth0'));
    assert.ok(!r.after.some((e) => e.ip === pc.ip), 'the entry is gone');
  });

  it('refuses a scope above the size limit before sending anything', async () => {
    await assert.rejects(discover(['--scope', '10.0.0.0/8']), /above the limit/);
  });
});

if (skip) console.log(`# discovery lab tests skipped: ${skip}`);
