/**
 * The site's deployment settings in config.json: checked with messages a technician can act on,
 * then turned into each host's group and ring and the policy a new deployment starts from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../../../daemon/config.js';
import { deploySettingsSchema, placeHosts, sitePolicy } from '../../../daemon/deploy/site-settings.js';

const settings = deploySettingsSchema.parse({
  timeZone: 'Europe/Berlin',
  groups: [
    { name: 'pilot', ring: 0, members: ['10.0.0.10', '10.0.0.11'] },
    { name: 'office', ring: 1, members: ['10.0.0.0/25'], window: 'Sat 22:00-Sun 04:00', reboot: 'always' },
  ],
  rules: [{ kind: 'never', packages: 'linux-image-*' }],
  gate: { soakHours: 2 },
});

test('hosts land in the first group that holds their address; the rest in default, ring 2', () => {
  assert.deepEqual(
    placeHosts(settings, [
      { hostId: 'a', address: '10.0.0.10' },
      { hostId: 'b', address: '10.0.0.20' },
      { hostId: 'c', address: '10.0.0.200' },
      { hostId: 'd' },
    ]),
    {
      a: { group: 'pilot', ring: 0 },
      b: { group: 'office', ring: 1 },
      c: { group: 'default', ring: 2 },
      d: { group: 'default', ring: 2 },
    },
  );
});

test('a host member holds its machine whatever its address; an unknown id places no one', () => {
  const byHost = deploySettingsSchema.parse({
    groups: [
      { name: 'office', ring: 1, members: ['10.0.0.0/24'] },
      { name: 'pilot', ring: 0, members: ['host:h-00000000aa', 'host:h-00000000ff'] },
      { name: 'lab', ring: 1, members: ['host:h-00000000bb', 'host:h-00000000aa'] },
    ],
  });
  assert.deepEqual(
    placeHosts(byHost, [
      // Picked for the pilot; DHCP moved it into the office subnet since: naming it wins.
      { hostId: 'h-00000000aa', address: '10.0.0.77' },
      // No address known at all: still its group.
      { hostId: 'h-00000000bb' },
      { hostId: 'h-00000000cc', address: '10.0.0.11' },
      { hostId: 'h-00000000dd', address: '192.168.1.5' },
    ]),
    {
      // Named by two groups: the first one listed.
      'h-00000000aa': { group: 'pilot', ring: 0 },
      'h-00000000bb': { group: 'lab', ring: 1 },
      'h-00000000cc': { group: 'office', ring: 1 },
      'h-00000000dd': { group: 'default', ring: 2 },
    },
  );
  // A group of hosts only holds no address (an empty address list must not admit everyone).
  const hostsOnly = deploySettingsSchema.parse({
    groups: [{ name: 'p', ring: 0, members: ['host:h-00000000aa'] }],
  });
  assert.deepEqual(placeHosts(hostsOnly, [{ hostId: 'h-00000000ee', address: '192.168.1.6' }]), {
    'h-00000000ee': { group: 'default', ring: 2 },
  });
  // h-00000000ff is in no directory: the group keeps it and no host lands there by mistake.
  assert.deepEqual(byHost.groups[1]?.members, ['host:h-00000000aa', 'host:h-00000000ff']);
});

test('the policy carries windows in the site zone, reboots per group, rules and the gate', () => {
  const p = sitePolicy(settings);
  assert.deepEqual(p.windows, { office: { text: 'Sat 22:00-Sun 04:00', zone: 'Europe/Berlin' } });
  assert.deepEqual(p.reboot, { pilot: 'if-required', office: 'always' });
  assert.equal(p.gate?.soakMs, 2 * 3_600_000);
  assert.equal(p.gate?.minSuccessRate, 1);
  assert.equal(p.concurrency, 5);
  assert.deepEqual(p.rules, [{ kind: 'never', packages: 'linux-image-*' }]);
});

test('mistakes are named where they are', () => {
  const issues = (deploy: unknown) => {
    const r = configSchema.safeParse({ dataDir: '/x', deploy });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.deepEqual(issues({}), []);
  assert.match(
    issues({ timeZone: 'Mars/Olympus' }).join('\n'),
    /deploy\.timeZone: unknown time zone "Mars\/Olympus"/,
  );
  assert.match(issues({ groups: [{ name: 'a', ring: 3 }] }).join('\n'), /deploy\.groups\.0\.ring/);
  assert.match(
    issues({ groups: [{ name: 'a', ring: 0, members: ['10.0.0.300'] }] }).join('\n'),
    /deploy\.groups\.0\.members\.0: a group member is an address or CIDR/,
  );
  for (const bad of ['host:', 'host:db1', 'host:H-00000000AA', 'h-00000000aa', 'host: h-00000000aa'])
    assert.match(
      issues({ groups: [{ name: 'a', ring: 0, members: [bad] }] }).join('\n'),
      /members\.0: .*or a host as host:<id>/,
      bad,
    );
  assert.match(
    issues({ groups: [{ name: 'a', ring: 0, window: 'Sat 22:00-Sat 21:00' }] }).join('\n'),
    /deploy\.groups\.0\.window: /,
  );
  assert.match(
    issues({
      groups: [
        { name: 'a', ring: 0 },
        { name: 'a', ring: 1 },
      ],
    }).join('\n'),
    /group a is named twice/,
  );
});
