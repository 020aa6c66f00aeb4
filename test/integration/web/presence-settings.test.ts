/**
 * Settings → On the LAN says where the appliance is announced and under which name, and why it is
 * not when no scope covers one of its subnets or announcements are off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScopeTargets } from '../../../daemon/discovery/scope.js';
import { PresenceService } from '../../../daemon/presence/presence-service.js';
import { ManualClock } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';
import { FakeMdnsLink } from '../../fakes/mdns-link.js';
import { setUpAdmin, webHarness } from './harness.js';

const presence = (scopes: ScopeTargets[], advertise = true) => {
  const clock = new ManualClock();
  const link = new FakeMdnsLink();
  const service = new PresenceService({
    advertise,
    hostname: 'patch-depot',
    scopes: () => scopes,
    links: () => [{ interface: 'eth0', address: '192.168.10.2', cidr: '192.168.10.0/24' }],
    ownAddresses: () => ['192.168.10.2'],
    services: () => [{ type: '_apt_proxy._tcp', port: 3142, txt: [], listenAddress: '0.0.0.0' }],
    transport: (l) => link.transport(l.address),
    clock,
    log: memoryLogger(),
    random: () => 0,
  });
  return { service, clock };
};

test('Settings shows the announced name and link, or why there is none', async (t) => {
  const scopes: ScopeTargets[] = [];
  const p = presence(scopes);
  const h = await webHarness(t, { services: async () => ({ presence: p.service }) });
  const b = await setUpAdmin(h);
  await p.service.start();
  t.after(() => p.service.stop());
  assert.match(
    await (await b.request('/settings')).text(),
    /Not announced: no <a href="\/settings\/scopes">scope<\/a> covers/,
  );

  scopes.push({ include: ['192.168.10.0/24'], exclude: [] });
  await p.service.reconcile();
  for (let i = 0; i < 12; i++) await p.clock.advance(250);
  const html = await (await b.request('/settings')).text();
  assert.match(html, /<code>patch-depot\.local<\/code> on eth0 \(192\.168\.10\.2\): _apt_proxy\._tcp:3142/);
  assert.match(html, /apt-proxy/, 'and the DNS names Debian hosts look for');
});

test('Settings says when announcements are off', async (t) => {
  const p = presence([{ include: ['192.168.10.0/24'], exclude: [] }], false);
  const h = await webHarness(t, { services: async () => ({ presence: p.service }) });
  const b = await setUpAdmin(h);
  await p.service.start();
  assert.match(await (await b.request('/settings')).text(), /mDNS announcements are off/);
});
