/**
 * The passive mDNS listener on a simulated link with a hand-moved clock, against the appliance's
 * own responder as the device being discovered: it listens only on links facing a scope, keeps
 * asking as a continuous querier, merges what it heard so a warm scan waits only for a quiet spell
 * (not a window), drops off-link senders, its own packets and addresses outside the scopes, expires
 * records by TTL (and at once on a goodbye), holds at most its cap, and survives hostile datagrams.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Answer, encode, type Packet } from 'dns-packet';
import { MAX_ADDRESSES_LISTED, MdnsCache } from '../../../daemon/discovery/mdns-cache.js';
import { MdnsListener } from '../../../daemon/discovery/mdns-listener.js';
import { type Range, scopeRanges } from '../../../daemon/discovery/scope.js';
import { MdnsResponder } from '../../../daemon/presence/mdns-responder.js';
import { ManualClock } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';
import { FakeMdnsLink } from '../../fakes/mdns-link.js';
import { fuzzRun } from '../../support/fuzz-seed.js';
import { Rng } from '../../support/prng.js';

const ME = '10.9.0.1';
const PRINTER = '10.9.0.20';
const LINK = { interface: 'eth0', address: ME, cidr: '10.9.0.0/24' };

const printer = (link: FakeMdnsLink, clock: ManualClock) =>
  new MdnsResponder({
    link: { interface: 'eth0', address: PRINTER, cidr: '10.9.0.0/24' },
    baseName: 'office-printer',
    services: [{ type: '_ipp._tcp', port: 631, txt: ['ty=Laser 9000'] }],
    transport: link.transport(PRINTER),
    clock,
    log: memoryLogger(),
    isOwnAddress: (a) => a === PRINTER,
    random: () => 0.5,
  });

const listener = (
  link: FakeMdnsLink,
  clock: ManualClock,
  ranges: Range[] = scopeRanges([{ include: ['10.9.0.0/24'], exclude: [] }]),
  maxEntries?: number,
) => {
  let opened = 0;
  const l = new MdnsListener({
    ranges: () => ranges,
    links: () => [LINK],
    ownAddresses: () => [ME, '127.0.0.1'],
    transport: (link_) => {
      opened++;
      return link.transport(link_.address);
    },
    clock,
    log: memoryLogger(),
    ...(maxEntries ? { maxEntries } : {}),
  });
  return { l, opened: () => opened };
};

const settle = async (clock: ManualClock, ms = 4000): Promise<void> => {
  for (let t = 0; t < ms; t += 50) await clock.advance(50);
};

/** Resolve `p` while moving the clock; returns its value and the clock time it took. */
const timed = async <T>(clock: ManualClock, p: Promise<T>): Promise<{ value: T; ms: number }> => {
  const t0 = clock.now();
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  for (let i = 0; i < 400 && !done; i++) await clock.advance(10);
  assert.ok(done, 'browse resolved');
  return { value: value as T, ms: clock.now() - t0 };
};

describe('passive mDNS listener', () => {
  it('finds a device by asking on its own, and a warm scan waits only for a quiet spell', async () => {
    const link = new FakeMdnsLink();
    const clock = new ManualClock();
    const dev = printer(link, clock);
    await dev.start();
    await settle(clock);
    const { l } = listener(link, clock);
    await l.start();
    await settle(clock, 1000);
    const { value, ms } = await timed(clock, l.browse(2500));
    assert.ok(ms >= 2500 - 1000 && ms <= 2600, `a link open for 1 s waits out its first window: ${ms} ms`);
    const rec = value.find((r) => r.service?.type === 'ipp');
    assert.deepEqual(rec, {
      address: PRINTER,
      hostname: 'office-printer',
      service: {
        name: 'patch depot (office-printer)',
        type: 'ipp',
        protocol: 'tcp',
        port: 631,
        txt: { ty: 'Laser 9000' },
      },
    });
    const warm = await timed(clock, l.browse(2500));
    assert.ok(warm.ms < 1000, `a warm browse waits for a quiet spell, not the window: ${warm.ms} ms`);
    assert.ok(warm.value.some((r) => r.service?.type === 'ipp'));
    // Its questions carried what it knew, so the printer need not repeat its PTR.
    const lastQuery = link.queriesFrom(ME).at(-1)!;
    assert.ok((lastQuery.answers ?? []).some((a) => a.type === 'PTR' && a.name === '_ipp._tcp.local'));
    await l.stop();
    await dev.stop();
  });

  it('listens on no link that faces no scope, and then answers at once with nothing', async () => {
    const link = new FakeMdnsLink();
    const clock = new ManualClock();
    const { l, opened } = listener(link, clock, scopeRanges([{ include: ['192.168.7.0/24'], exclude: [] }]));
    await l.start();
    assert.equal(opened(), 0);
    assert.deepEqual(l.links(), []);
    assert.deepEqual(await l.browse(2500), []);
    assert.equal(link.queriesFrom(ME).length, 0, 'not a single query sent');
    await l.stop();
  });

  it('a scan right after a scope is saved opens the link that scope faces', async () => {
    const link = new FakeMdnsLink();
    const clock = new ManualClock();
    const ranges: Range[] = [];
    const { l, opened } = listener(link, clock, ranges);
    await l.start();
    assert.equal(opened(), 0);
    ranges.push(...scopeRanges([{ include: ['10.9.0.0/24'], exclude: [] }]));
    await timed(clock, l.browse(500));
    assert.equal(opened(), 1);
    assert.ok(link.queriesFrom(ME).length > 0, 'and asks on it');
    await l.stop();
  });

  it('ignores off-link senders, its own packets and addresses outside the scopes', async () => {
    const link = new FakeMdnsLink();
    const clock = new ManualClock();
    const { l } = listener(link, clock, scopeRanges([{ include: ['10.9.0.0/25'], exclude: [] }]));
    await l.start();
    const a = (name: string, data: string): Packet => ({
      type: 'response',
      answers: [{ name, type: 'A', ttl: 120, data }],
    });
    link.say({ address: '10.8.0.5', port: 5353 }, a('far.local', '10.9.0.30'));
    link.say({ address: ME, port: 5353 }, a('me.local', '10.9.0.31'));
    link.say({ address: '10.9.0.200', port: 5353 }, a('outside.local', '10.9.0.200'));
    link.say({ address: '10.9.0.40', port: 5353 }, a('inside.local', '10.9.0.40'));
    await settle(clock, 3000);
    const records = (await timed(clock, l.browse(2500))).value;
    assert.deepEqual(
      records.map((r) => r.hostname),
      ['inside'],
    );
    assert.equal(l.ignored.offLink, 1);
    assert.ok(l.ignored.own >= 1);
    await l.stop();
  });

  it('expires records by TTL, drops them at once on a goodbye, and holds at most its cap', () => {
    const cache = new MdnsCache(100);
    const t0 = 1_000_000;
    const any = () => true;
    cache.add([{ name: 'a.local', type: 'A', ttl: 10, data: '10.9.0.2' }], '10.9.0.2', t0, any);
    cache.add([{ name: 'b.local', type: 'A', ttl: 120, data: '10.9.0.3' }], '10.9.0.3', t0, any);
    assert.equal(cache.size, 2);
    cache.expire(t0 + 11_000);
    assert.deepEqual(
      cache.records().map((r) => r.hostname),
      ['b'],
    );
    cache.add([{ name: 'b.local', type: 'A', ttl: 0, data: '10.9.0.3' }], '10.9.0.3', t0 + 12_000, any);
    assert.equal(cache.size, 0);
    for (let i = 0; i < 5000; i++)
      cache.add(
        [{ name: `h${i}.local`, type: 'A', ttl: 60 + (i % 7), data: '10.9.0.9' }],
        '10.9.0.9',
        t0,
        any,
      );
    assert.equal(cache.size, 100);
    // A claimed TTL of a week is held for 75 minutes at most.
    const c2 = new MdnsCache();
    c2.add([{ name: 'x.local', type: 'A', ttl: 604_800, data: '10.9.0.4' }], '10.9.0.4', t0, any);
    c2.expire(t0 + 75 * 60_000 + 1);
    assert.equal(c2.size, 0);
  });

  it("a full cache is a bounded number of records: a service is listed at 16 of its host name's addresses at most", () => {
    // 1,000 services on one host name with 2,000 addresses fit the 4,096 entries, and were listed
    // as 2,000,000 records: 5 s to list, 25 s for a scan to merge on the daemon's thread (past the
    // 30 s systemd watchdog with the rest of the scan), 135 MB of services in the assets.
    const cache = new MdnsCache();
    const answers: Answer[] = [];
    for (let i = 0; i < 1000; i++) {
      answers.push({ name: '_http._tcp.local', type: 'PTR', ttl: 600, data: `s${i}._http._tcp.local` });
      answers.push({
        name: `s${i}._http._tcp.local`,
        type: 'SRV',
        ttl: 600,
        data: { port: 80, target: 'evil.local' },
      });
    }
    for (let j = 0; j < 2000; j++)
      answers.push({ name: 'evil.local', type: 'A', ttl: 600, data: `10.9.${j >> 8}.${j & 255}` });
    cache.add(answers, '10.9.0.5', 1_000_000, () => true);
    assert.equal(cache.size, 4000);
    const records = cache.records();
    assert.ok(records.length <= 1000 * MAX_ADDRESSES_LISTED + 2000, `${records.length} records`);
    const perService = new Map<string, number>();
    for (const r of records)
      if (r.service) perService.set(r.service.name, (perService.get(r.service.name) ?? 0) + 1);
    assert.equal(perService.size, 1000);
    assert.ok([...perService.values()].every((n) => n === MAX_ADDRESSES_LISTED));
  });

  it('a name or TXT text with control or direction-override characters does not reach the pages', () => {
    // A LAN host named "\u202egnp.exe" shows as "exe.png"; NUL, BEL and ESC have no place in a name.
    const cache = new MdnsCache();
    const bad = ['evil\u202egnp', 'nul\u0000x', 'esc\u001b[31mred', 'bell\u0007', 'c1\u0085x', 'iso\u2066x'];
    const answers: Answer[] = [];
    for (const [i, name] of bad.entries()) {
      answers.push({ name: `${name}.local`, type: 'A', ttl: 600, data: `10.9.0.${30 + i}` });
      answers.push({ name: '_ipp._tcp.local', type: 'PTR', ttl: 600, data: `${name}._ipp._tcp.local` });
      answers.push({
        name: `p${i}._ipp._tcp.local`,
        type: 'SRV',
        ttl: 600,
        data: { port: 631, target: `${name}.local` },
      });
    }
    answers.push({ name: '_ipp._tcp.local', type: 'PTR', ttl: 600, data: 'ok._ipp._tcp.local' });
    answers.push({
      name: 'ok._ipp._tcp.local',
      type: 'SRV',
      ttl: 600,
      data: { port: 631, target: 'ok.local' },
    });
    answers.push({ name: 'ok.local', type: 'A', ttl: 600, data: '10.9.0.40' });
    answers.push({
      name: 'ok._ipp._tcp.local',
      type: 'TXT',
      ttl: 600,
      data: [Buffer.from('ty=Laser\u202e 9000\u001b[2J'), Buffer.from('no\u0000te=x')],
    });
    cache.add(answers, '10.9.0.5', 1_000_000, () => true);
    const text = JSON.stringify(cache.records());
    assert.doesNotMatch(text, /\p{Cc}|[\u202a-\u202e\u2066-\u2069]|\\u00|\\u20/u);
    const ok = cache.records().find((r) => r.hostname === 'ok');
    assert.deepEqual(ok?.service?.txt, { ty: 'Laser 9000[2J' }, 'the readable rest of a TXT string stays');
  });

  it('survives hostile datagrams, stays within its cap, and still hears a real device', async () => {
    const run = fuzzRun(3000);
    const rng = new Rng(run.seed);
    const link = new FakeMdnsLink();
    const clock = new ManualClock();
    const dev = printer(link, clock);
    await dev.start();
    await settle(clock);
    const { l } = listener(link, clock, undefined, 256);
    await l.start();
    const real = encode({
      type: 'response',
      answers: [
        { name: '_ipp._tcp.local', type: 'PTR', ttl: 4500, data: 'X._ipp._tcp.local' },
        { name: 'X._ipp._tcp.local', type: 'SRV', ttl: 120, data: { port: 1, target: 'x.local' } },
        { name: 'X._ipp._tcp.local', type: 'TXT', ttl: 4500, data: ['a=b', Buffer.alloc(300, 1)] },
        { name: 'x.local', type: 'A', ttl: 120, data: '10.9.0.77' },
      ],
    });
    for (let i = 0; i < run.count; i++) {
      const from = { address: `10.9.0.${100 + rng.int(100)}`, port: 5353 };
      const kind = rng.int(4);
      let bytes: Buffer;
      if (kind === 0) bytes = Buffer.from(Array.from({ length: rng.int(600) }, () => rng.int(256)));
      else if (kind === 1) bytes = real.subarray(0, rng.int(real.length));
      else if (kind === 2) {
        bytes = Buffer.from(real);
        for (let f = 0; f < 1 + rng.int(8); f++) {
          const at = rng.int(bytes.length);
          bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(8));
        }
      } else
        bytes = encode({
          type: 'response',
          answers: Array.from({ length: 1 + rng.int(40) }, (_, k) => ({
            name: `_t${rng.int(1e6)}._tcp.local`,
            type: 'PTR' as const,
            ttl: rng.int(1e6),
            data: `${'n'.repeat(1 + rng.int(60))}${k}._t._tcp.local`,
          })),
        });
      link.say(from, bytes);
      if (i % 100 === 0) await clock.advance(10);
      assert.ok(l.cache.size <= 256, `cache within its cap (${run.replay})`);
    }
    await settle(clock, 2000);
    const records = await timed(clock, l.browse(2500));
    assert.ok(
      records.value.some((r) => r.address === PRINTER && r.service?.type === 'ipp'),
      `the printer is still heard after the flood (${run.replay})`,
    );
    assert.ok(l.ignored.undecodable > 0);
    await l.stop();
    await dev.stop();
  });
});
