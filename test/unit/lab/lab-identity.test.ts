/** What a lab keeps across rebuilds: managed hosts' identities, and the demo's settings. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeLabConfig } from '../../../scripts/lab/daemon-config.js';
import { hostIdentity } from '../../../scripts/lab/managed-host.js';
import { managedHosts } from '../../../scripts/lab/site.js';
import { type LabPlan, planLab } from '../../../scripts/lab/spec.js';
import { tempDir } from '../../temp-dir.js';

test('a kept identity is made once and read back the same at every rebuild; an unkept one is new each time', async (t) => {
  const dir = await tempDir(t);
  const spec = { name: 'idtest', hosts: managedHosts(1) };
  const kept: LabPlan = {
    ...planLab({ ...spec, keepIdentity: true }),
    keepDir: join(dir, 'keep'),
    workDir: join(dir, 'w1'),
  };
  const host = kept.hosts.find((h) => h.managed)!;
  const read = (p: { hostKey: string; machineId: string }) => [
    readFileSync(p.hostKey, 'utf8'),
    readFileSync(p.machineId, 'utf8'),
  ];
  const first = read(hostIdentity(kept, host));
  assert.match(first[0]!, /BEGIN OPENSSH PRIVATE KEY/);
  assert.match(first[1]!, /^[0-9a-f]{32}\n$/);
  assert.deepEqual(
    read(hostIdentity({ ...kept, workDir: join(dir, 'w2') }, host)),
    first,
    'the same key and machine-id',
  );
  const plain = planLab(spec);
  assert.equal(plain.keepDir, undefined);
  const a = read(hostIdentity({ ...plain, workDir: join(dir, 'p1') }, host));
  const b = read(hostIdentity({ ...plain, workDir: join(dir, 'p2') }, host));
  assert.notDeepEqual(a, b, 'a lab that keeps nothing makes new ones');
});

test("the demo's settings keep what was changed since; what points at the lab is this build's", () => {
  const lab = {
    catalog: { feeds: [{ id: 'lab-vendor', kind: 'debian-tracker', url: 'http://10.213.9.2/tracker.json' }] },
    cache: { upstreams: ['http://10.213.9.2/debian/'], proxy: { host: '0.0.0.0', port: 3142 } },
    deploy: {
      groups: [{ name: 'pilot', ring: 0, members: ['10.213.9.10'] }],
      gate: { soakHours: 0, minVerified: 1 },
    },
  };
  const previous = {
    discovery: { scopes: [{ name: 'office', include: ['10.213.9.0/24'] }] },
    catalog: {
      feeds: [
        { id: 'lab-vendor', kind: 'debian-tracker', url: 'http://10.213.8.2/tracker.json' },
        { id: 'mine', kind: 'osv', url: 'http://10.0.0.1/osv.json' },
      ],
      syncHours: 6,
    },
    cache: { upstreams: ['http://10.213.8.2/debian/', 'http://mirror.lan/debian/'], quotaMB: 900 },
    deploy: {
      groups: [
        { name: 'pilot', ring: 0, members: ['10.213.8.10'] },
        { name: 'servers', ring: 2, members: ['10.0.0.5'] },
      ],
      gate: { soakHours: 4, minVerified: 1 },
      windows: ['22:00-06:00'],
    },
  };
  const merged = mergeLabConfig(previous, lab) as Record<string, Record<string, unknown>>;
  assert.deepEqual(merged.discovery, previous.discovery, 'a scope added on the Settings page stays');
  assert.deepEqual(
    (merged.catalog!.feeds as Array<{ id: string; url: string }>).map((f) => `${f.id} ${f.url}`),
    ['lab-vendor http://10.213.9.2/tracker.json', 'mine http://10.0.0.1/osv.json'],
  );
  assert.equal(merged.catalog!.syncHours, 6);
  assert.deepEqual(merged.cache!.upstreams, [
    'http://10.213.9.2/debian/',
    'http://10.213.8.2/debian/',
    'http://mirror.lan/debian/',
  ]);
  assert.equal(merged.cache!.quotaMB, 900);
  assert.deepEqual(merged.cache!.proxy, lab.cache.proxy);
  assert.deepEqual(
    (merged.deploy!.groups as Array<{ name: string; members: string[] }>).map(
      (g) => `${g.name} ${g.members}`,
    ),
    ['pilot 10.213.9.10', 'servers 10.0.0.5'],
  );
  assert.deepEqual(merged.deploy!.gate, { soakHours: 4, minVerified: 1 }, 'the gate as the user set it');
  assert.deepEqual(merged.deploy!.windows, ['22:00-06:00']);
  assert.deepEqual(mergeLabConfig(undefined, lab), lab, 'a first start: the lab settings as they are');
  assert.deepEqual(mergeLabConfig('not an object', lab), lab);
});
