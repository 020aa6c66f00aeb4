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
