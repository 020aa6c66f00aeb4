/**
 * The product rule of announcing: only on the appliance's links that lie inside a scope of
 * management, and only the services listening there. No scope, not a datagram; a link whose scope
 * is deleted gets a goodbye; `mdns.advertise: false` sends nothing; stop says goodbye everywhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScopeTargets } from '../../../daemon/discovery/scope.js';
import type { Link } from '../../../daemon/presence/ports.js';
import { type Offered, PresenceService } from '../../../daemon/presence/presence-service.js';
import { ManualClock } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';
import { FakeMdnsLink } from '../../fakes/mdns-link.js';

const OFFICE: Link = { interface: 'eth0', address: '192.168.10.2', cidr: '192.168.10.0/24' };
const GUEST: Link = { interface: 'wlan0', address: '172.16.5.9', cidr: '172.16.0.0/16' };

const setup = (opts: { scopes?: ScopeTargets[]; advertise?: boolean; services?: Offered[] } = {}) => {
  const scopes: ScopeTargets[] = opts.scopes ?? [];
  const segments = new Map([
    ['eth0', new FakeMdnsLink()],
    ['wlan0', new FakeMdnsLink()],
  ]);
  const opened: string[] = [];
  const clock = new ManualClock();
  const service = new PresenceService({
    advertise: opts.advertise ?? true,
    hostname: 'patch-depot',
    scopes: () => scopes,
    links: () => [OFFICE, GUEST],
    ownAddresses: () => ['127.0.0.1', OFFICE.address, GUEST.address],
    services: () =>
      opts.services ?? [
        { type: '_patch-depot._tcp', port: 8080, txt: [], listenAddress: '0.0.0.0' },
        { type: '_apt_proxy._tcp', port: 3142, txt: [], listenAddress: '0.0.0.0' },
      ],
    transport: (link) => {
      opened.push(link.interface);
      return segments.get(link.interface)!.transport(link.address);
    },
    clock,
    log: memoryLogger(),
    pollMs: 1000,
    random: () => 0,
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 12; i++) await clock.advance(250);
  };
  return {
    service,
    scopes,
    segments,
    opened,
    settle,
    eth0: segments.get('eth0')!,
    wlan0: segments.get('wlan0')!,
  };
};

describe('announcing only inside the scopes of management', () => {
  it('no scope: no socket is opened and nothing is sent', async () => {
    const s = setup();
    await s.service.start();
    await s.settle();
    assert.deepEqual(s.opened, []);
    assert.equal(s.eth0.heard.length + s.wlan0.heard.length, 0);
    assert.deepEqual(s.service.status().links, []);
    await s.service.stop();
  });

  it('a scope inside the office subnet: announced there, never on the guest network', async () => {
    const s = setup({ scopes: [{ include: ['192.168.10.20-60'], exclude: [] }] });
    await s.service.start();
    await s.settle();
    assert.deepEqual(s.opened, ['eth0']);
    assert.equal(s.wlan0.heard.length, 0, 'not one datagram on the guest network');
    const [link] = s.service.status().links;
    assert.equal(link?.interface, 'eth0');
    assert.equal(link?.state, 'announced');
    assert.equal(link?.hostname, 'patch-depot.local');
    assert.deepEqual(link?.services, ['_patch-depot._tcp:8080', '_apt_proxy._tcp:3142']);
    assert.ok(s.eth0.responsesFrom(OFFICE.address).length >= 2);
    await s.service.stop();
  });

  it('a scope saved later starts announcing; deleting it says goodbye', async () => {
    const s = setup();
    await s.service.start();
    s.scopes.push({ include: ['172.16.0.0/20'], exclude: [] });
    await s.settle();
    assert.deepEqual(s.opened, ['wlan0']);
    assert.equal(s.service.status().links[0]?.state, 'announced');
    s.scopes.length = 0;
    await s.settle();
    assert.deepEqual(s.service.status().links, []);
    const last = s.wlan0.responsesFrom(GUEST.address).at(-1)!;
    assert.ok(
      last.answers!.every((a) => (a as { ttl: number }).ttl === 0),
      'the last word is a goodbye',
    );
    await s.service.stop();
  });

  it('only the services listening on that link are announced', async () => {
    const s = setup({
      scopes: [{ include: ['192.168.10.0/24', '172.16.0.0/16'], exclude: [] }],
      services: [
        { type: '_patch-depot._tcp', port: 8080, txt: [], listenAddress: '127.0.0.1' },
        { type: '_apt_proxy._tcp', port: 3142, txt: [], listenAddress: GUEST.address },
      ],
    });
    await s.service.start();
    await s.settle();
    assert.deepEqual(s.opened, ['wlan0'], 'the UI on loopback is announced nowhere');
    assert.deepEqual(s.service.status().links[0]?.services, ['_apt_proxy._tcp:3142']);
    await s.service.stop();
  });

  it('mdns.advertise false: nothing, whatever the scopes', async () => {
    const s = setup({ advertise: false, scopes: [{ include: ['192.168.10.0/24'], exclude: [] }] });
    await s.service.start();
    await s.settle();
    assert.deepEqual(s.opened, []);
    await s.service.stop();
  });

  it('stop says goodbye on every link', async () => {
    const s = setup({ scopes: [{ include: ['192.168.10.0/24', '172.16.0.0/16'], exclude: [] }] });
    await s.service.start();
    await s.settle();
    await s.service.stop();
    for (const [seg, addr] of [
      [s.eth0, OFFICE.address],
      [s.wlan0, GUEST.address],
    ] as const) {
      const last = seg.responsesFrom(addr).at(-1)!;
      assert.ok(last.answers!.every((a) => (a as { ttl: number }).ttl === 0));
    }
    assert.deepEqual(s.service.status().links, []);
  });
});
