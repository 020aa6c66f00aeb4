/** A deployment's halt note names its hosts as the page's host table does, not by their ids. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RingProgress } from '../../../daemon/deploy/deployment.js';
import { namedHosts, notStartedWhy } from '../../../web/views/deployment-notes.js';

test('a ring gate note names each failed host by its label; other text is left alone', () => {
  const hosts = [{ hostId: 'h-4beb81773b' }, { hostId: 'h-0000000001' }];
  const label = (id: string) => (id === 'h-4beb81773b' ? '10.213.19.20' : 'pc-2.lan');
  const note =
    'ring 1 gate: 1 of 3 hosts succeeded (33% < 100%): h-4beb81773b: install: postinst failed (exit 1); h-0000000001: unreachable';
  assert.equal(
    namedHosts(note, hosts, label),
    'ring 1 gate: 1 of 3 hosts succeeded (33% < 100%): 10.213.19.20: install: postinst failed (exit 1); pc-2.lan: unreachable',
  );
  // An id of a host outside the deployment, or one not followed by its reason, stays as written.
  assert.equal(namedHosts('h-ffffffffff: gone', hosts, label), 'h-ffffffffff: gone');
  assert.equal(namedHosts('see h-4beb81773b', hosts, label), 'see h-4beb81773b');
});

test('a host that has run nothing says what it waits for', () => {
  const ring = (state: RingProgress['state']): RingProgress => ({ state, batch: 0 });
  const rings = [ring('running'), ring('pending'), ring('pending')];
  const host = { ring: 1, phase: 'pending' as const };
  assert.equal(notStartedWhy({ state: 'draft', rings }, host), 'the deployment has not been started');
  assert.equal(notStartedWhy({ state: 'paused', rings }, host), 'the deployment is paused');
  assert.equal(notStartedWhy({ state: 'running', rings }, host), 'ring 1 starts once ring 0 passes its gate');
  assert.equal(
    notStartedWhy({ state: 'running', rings }, { ...host, waiting: 'the maintenance window opens at 22:00' }),
    'the maintenance window opens at 22:00',
  );
  assert.equal(
    notStartedWhy({ state: 'running', rings }, { ring: 0, phase: 'pending' }),
    'its turn in the ring has not come',
  );
});

test('a ring with no soak says the next ring starts when it passes, not "0 min after"', async () => {
  const { Rings } = await import('../../../web/views/deployment.js');
  type D = Parameters<typeof Rings>[0]['d'];
  const host = (hostId: string, ring: number) => ({
    hostId,
    ring,
    group: ring ? 'office' : 'pilots',
    phase: 'pending',
  });
  const d = (soakMs: number) =>
    ({
      rings: [
        { state: 'running', batch: 1 },
        { state: 'pending', batch: 0 },
        { state: 'pending', batch: 0 },
      ],
      hosts: [host('h-0000000001', 0), host('h-0000000002', 1)],
      policy: { gate: { soakMs, minSuccessRate: 1, minVerified: 1 } },
    }) as unknown as D;
  const html = (soakMs: number) => String(Rings({ d: d(soakMs), now: 0, named: (t) => t }));
  assert.match(html(0), /none: the next ring starts when this one passes/);
  assert.doesNotMatch(html(0), /0 min after/);
  assert.match(html(86_400_000), /24 h after the ring ends/);
});

test('a host waiting for approval says so once, under Outcome, without "waiting: ... waiting"', async () => {
  const { HostRow } = await import('../../../web/views/deployment-hosts.js');
  type P = Parameters<typeof HostRow>[0];
  const h = {
    hostId: 'h-0000000001',
    group: 'pilot',
    ring: 0,
    change: { hostId: 'h-0000000001', ecosystem: 'dpkg', upgrades: [{ name: 'curl', version: '2' }] },
    phase: 'pending',
    attempts: 0,
    failures: [],
    steps: [],
    waiting: 'curl 2 is waiting for approval',
  } as unknown as P['h'];
  const d = { id: 'dep-1', state: 'running', rings: [{ state: 'running', batch: 1 }], breakers: [] };
  const html = String(HostRow({ d: d as unknown as P['d'], h, label: '10.0.0.18', csrf: 'x' }));
  assert.equal(html.split('curl 2 is waiting for approval').length - 1, 1, html);
  assert.doesNotMatch(html, /waiting: curl/);
  assert.match(html, /no log yet</);
});

test('a retried host folds its earlier failures away and lists each upgrade on a line', async () => {
  const { HostRow } = await import('../../../web/views/deployment-hosts.js');
  type P = Parameters<typeof HostRow>[0];
  const failure = (attempt: number, reason: string) => ({
    at: '2026-12-04T22:00:00.000Z',
    attempt,
    kind: 'transient',
    reason,
  });
  const h = {
    hostId: 'h-0000000001',
    group: 'pilot',
    ring: 0,
    change: {
      hostId: 'h-0000000001',
      ecosystem: 'dpkg',
      upgrades: [
        { name: 'curl', version: '7.88.1-10+deb12u15' },
        { name: 'libexpat1', version: '2.5.0-1+deb12u2' },
      ],
    },
    phase: 'done',
    outcome: 'verified',
    attempts: 1,
    failures: [
      failure(1, 'download failed'),
      failure(1, 'the install broke off'),
      failure(2, 'download failed'),
    ],
    steps: [],
  } as unknown as P['h'];
  const d = { id: 'dep-1', state: 'running', rings: [{ state: 'passed', batch: 1 }], breakers: [] };
  const html = String(HostRow({ d: d as unknown as P['d'], h, label: '10.0.0.18', csrf: 'x' }));
  assert.match(html, /<details class="hint"><summary>3 earlier failures<\/summary>/);
  assert.match(html, /<div>curl=7\.88\.1-10\+deb12u15<\/div><div>libexpat1=2\.5\.0-1\+deb12u2<\/div>/);
});
