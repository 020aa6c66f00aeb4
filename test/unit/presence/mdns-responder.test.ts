/**
 * The mDNS responder on a simulated link with a hand-moved clock: probing, announcing, answering
 * browsers, taking `-2` when the name is in use (before or after announcing, or when two
 * appliances start together), ignoring its own and off-link packets, the once-a-second rule,
 * legacy unicast answers and goodbyes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Answer, type DecodedPacket, decode, type Packet } from 'dns-packet';
import { ANY } from '../../../daemon/presence/mdns-records.js';
import { MdnsResponder } from '../../../daemon/presence/mdns-responder.js';
import { ManualClock, turn } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';
import { FakeMdnsLink } from '../../fakes/mdns-link.js';

const ME = '10.9.0.1';
const BROWSER = { address: '10.9.0.50', port: 5353 };
const SERVICES = [
  { type: '_patch-depot._tcp', port: 8080, txt: ['path=/'] },
  { type: '_apt_proxy._tcp', port: 3142, txt: [] },
];

const responder = (link: FakeMdnsLink, clock: ManualClock, address = ME, baseName = 'patch-depot') =>
  new MdnsResponder({
    link: { interface: 'eth0', address, cidr: '10.9.0.0/24' },
    baseName,
    services: SERVICES,
    transport: link.transport(address),
    clock,
    log: memoryLogger(),
    isOwnAddress: (a) => a === address || a === '127.0.0.1',
    random: () => 0.5,
  });

/** Probing (3 x 250 ms after up to 250 ms) and both announcements (1 s apart). */
const settle = async (clock: ManualClock): Promise<void> => {
  for (let i = 0; i < 12; i++) await clock.advance(250);
};

/** A responder on a fresh link, done probing and announcing. */
const announced = async () => {
  const link = new FakeMdnsLink();
  const clock = new ManualClock();
  const r = responder(link, clock);
  await r.start();
  await settle(clock);
  return { link, clock, r };
};

const query = (name: string, type: string, extra: Partial<Packet> = {}): Packet => ({
  type: 'query',
  id: 0,
  questions: [{ name, type: type as 'PTR' }],
  ...extra,
});

const names = (p: DecodedPacket, section: 'answers' | 'additionals' = 'answers'): string[] =>
  (p[section] ?? []).map((r) => `${r.type} ${r.name}`);

describe('mDNS responder', () => {
  it('probes, announces every record twice, then answers a browser with SRV, TXT and the address', async () => {
    const { link, clock, r } = await announced();
    assert.equal(r.state, 'announced');
    assert.equal(r.hostname, 'patch-depot.local');
    const probes = link.queriesFrom(ME);
    assert.equal(probes.length, 3);
    assert.ok(
      probes[0]!.authorities!.some((a) => a.type === 'A' && a.data === ME),
      'the probe says what it wants',
    );
    const announcements = link.responsesFrom(ME);
    assert.equal(announcements.length, 2);
    assert.ok(names(announcements[0]!).includes('PTR _apt_proxy._tcp.local'));
    assert.ok(names(announcements[0]!).includes('A patch-depot.local'));

    link.say(BROWSER, query('_apt_proxy._tcp.local', 'PTR'));
    await clock.advance(1000);
    const answer = link.responsesFrom(ME).at(-1)!;
    assert.deepEqual(names(answer), ['PTR _apt_proxy._tcp.local']);
    assert.equal(
      (answer.answers![0] as { data: unknown }).data,
      'Patch Depot (patch-depot)._apt_proxy._tcp.local',
    );
    assert.deepEqual(names(answer, 'additionals').sort(), [
      'A patch-depot.local',
      'SRV Patch Depot (patch-depot)._apt_proxy._tcp.local',
      'TXT Patch Depot (patch-depot)._apt_proxy._tcp.local',
    ]);
    const srv = answer.additionals!.find((a) => a.type === 'SRV') as Answer & { data: { port: number } };
    assert.equal(srv.data.port, 3142);
    await r.stop();
  });

  it('takes patch-depot-2 when another machine answers the probe for patch-depot', async () => {
    const link = new FakeMdnsLink();
    const clock = new ManualClock();
    const other = { address: '10.9.0.7', port: 5353 };
    // The other machine owns patch-depot.local and answers any question about it.
    await link.transport(other.address).open((raw, from) => {
      if (from.address === other.address) return;
      const asked = decode(raw);
      if (asked.type === 'query' && asked.questions?.some((q) => q.name === 'patch-depot.local'))
        link.say(other, {
          type: 'response',
          answers: [{ name: 'patch-depot.local', type: 'A', ttl: 120, data: other.address }],
        });
    });
    const r = responder(link, clock);
    await r.start();
    await settle(clock);
    await settle(clock);
    assert.equal(r.state, 'announced');
    assert.equal(r.hostname, 'patch-depot-2.local');
    const last = link.responsesFrom(ME).at(-1)!;
    assert.ok(names(last).includes('A patch-depot-2.local'));
    assert.ok(names(last).includes('SRV Patch Depot (patch-depot-2)._patch-depot._tcp.local'));
    await r.stop();
  });

  it('two appliances starting together on one link end with two names', async () => {
    const link = new FakeMdnsLink();
    const clock = new ManualClock();
    const a = responder(link, clock, '10.9.0.1');
    const b = responder(link, clock, '10.9.0.2');
    await Promise.all([a.start(), b.start()]);
    for (let i = 0; i < 4; i++) await settle(clock);
    assert.equal(a.state, 'announced');
    assert.equal(b.state, 'announced');
    // The simultaneous probe tie-break: the later address wins, the other never announced the name.
    assert.equal(b.hostname, 'patch-depot.local');
    assert.equal(a.hostname, 'patch-depot-2.local');
    assert.ok(!link.responsesFrom('10.9.0.1').some((p) => names(p).includes('A patch-depot.local')));
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a later claim on its name from another machine makes it say goodbye and move to -2', async () => {
    const { link, clock, r } = await announced();
    link.say(
      { address: '10.9.0.8', port: 5353 },
      { type: 'response', answers: [{ name: 'patch-depot.local', type: 'A', ttl: 120, data: '10.9.0.8' }] },
    );
    await settle(clock);
    assert.equal(r.hostname, 'patch-depot-2.local');
    const goodbye = link
      .responsesFrom(ME)
      .find((p) => p.answers?.every((a) => (a as { ttl: number }).ttl === 0));
    assert.ok(goodbye && names(goodbye).includes('A patch-depot.local'), 'the old records are withdrawn');
    // A goodbye from someone else for that name is no claim.
    const before = r.hostname;
    link.say(
      { address: '10.9.0.8', port: 5353 },
      { type: 'response', answers: [{ name: 'patch-depot-2.local', type: 'A', ttl: 0, data: '10.9.0.8' }] },
    );
    await settle(clock);
    assert.equal(r.hostname, before);
    await r.stop();
  });

  it('hears nobody off its subnet and never itself; answers a record at most once a second', async () => {
    const { link, clock, r } = await announced();
    const sent = () => link.responsesFrom(ME).length;
    const n = sent();
    link.say({ address: '192.168.5.5', port: 5353 }, query('patch-depot.local', 'A'));
    link.say({ address: '127.0.0.1', port: 5353 }, query('patch-depot.local', 'A'));
    link.say(BROWSER, Buffer.from('not dns at all'));
    await turn();
    assert.equal(sent(), n, 'no answer off the link, to itself or to noise');
    assert.equal(r.ignored.undecodable, 1);
    assert.equal(r.ignored.offLink, 1);
    assert.ok(r.ignored.own >= 1, 'its own looped-back packets and 127.0.0.1 are dropped');
    link.say(BROWSER, query('patch-depot.local', 'A'));
    await turn();
    assert.equal(sent(), n + 1);
    link.say(BROWSER, query('patch-depot.local', 'A'));
    await clock.advance(500);
    assert.equal(sent(), n + 1, 'the same record again within a second is not multicast');
    await clock.advance(600);
    link.say(BROWSER, query('patch-depot.local', ANY));
    await turn();
    assert.equal(sent(), n + 2);
    await r.stop();
  });

  it('leaves out what the browser already knows; answers a legacy query by unicast with its id', async () => {
    const { link, clock, r } = await announced();
    await clock.advance(2000);
    const known = link.responsesFrom(ME)[0]!.answers!.filter((a) => a.name === '_patch-depot._tcp.local');
    const n = link.responsesFrom(ME).length;
    link.say(BROWSER, query('_patch-depot._tcp.local', 'PTR', { answers: known }));
    await turn();
    assert.equal(link.responsesFrom(ME).length, n, 'known answer suppressed');

    const legacy = { address: '10.9.0.60', port: 40123 };
    link.say(legacy, query('patch-depot.local', 'A', { id: 4242 }));
    await turn();
    const reply = link.heard.find((h) => h.to?.port === 40123);
    assert.ok(reply, 'a unicast reply to the asking port');
    assert.equal(reply.packet.id, 4242);
    assert.deepEqual(
      reply.packet.questions?.map((q) => q.name),
      ['patch-depot.local'],
    );
    assert.equal((reply.packet.answers![0] as { ttl: number }).ttl, 10);
    await r.stop();
  });

  it('stopping says goodbye: every record once more with TTL 0', async () => {
    const { link, r } = await announced();
    await r.stop();
    const last = link.responsesFrom(ME).at(-1)!;
    assert.ok(last.answers!.length >= 10);
    assert.ok(last.answers!.every((a) => (a as { ttl: number }).ttl === 0));
    assert.equal(r.state, 'stopped');
  });

  it('stopped while probing: no goodbye, nothing announced', async () => {
    const link = new FakeMdnsLink();
    const clock = new ManualClock();
    const r = responder(link, clock);
    await r.start();
    await clock.advance(300);
    await r.stop();
    assert.equal(link.responsesFrom(ME).length, 0);
  });
});
