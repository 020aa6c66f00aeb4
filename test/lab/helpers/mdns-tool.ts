/**
 * mDNS from a lab namespace, for the lab tests (run with tsxInNamespace / startInNamespace):
 *   browse MS                 the project's own browser (bonjour-service) for MS ms; prints records as JSON
 *   ask NAME [TYPE [VIA]]     a legacy unicast query (RFC 6762 §6.7) to the group, out of the interface
 *                             with address VIA if given; prints the answers as JSON
 *   listen ADDRESS [FROM]     join the group on the interface with ADDRESS; prints "ready", then one
 *                             JSON line per datagram heard from FROM (or anyone: kind, records, TTLs),
 *                             and on SIGTERM how many datagrams came from each sender
 *   flood COUNT SEED TARGET   COUNT hostile datagrams (random bytes, truncated and bit-flipped real
 *                             mDNS, absurd questions) to the group and to TARGET:5353; prints a summary
 */
import { createSocket } from 'node:dgram';
import { type Answer, decode, encode, type Packet } from 'dns-packet';
import { BonjourMdnsBrowser } from '../../../daemon/discovery/mdns-browser.js';
import { ANY } from '../../../daemon/presence/mdns-records.js';
import { Rng } from '../../support/prng.js';

const GROUP = '224.0.0.251';
const PORT = 5353;
const [mode = '', a1 = '', a2 = '', a3 = ''] = process.argv.slice(2);

const summary = (records: Answer[] | undefined) =>
  (records ?? []).map((r) => {
    const { name, type, ttl, data } = r as Answer & { ttl?: number; data?: unknown };
    return { name, type, ttl, data };
  });

const browse = async (ms: number): Promise<void> => {
  const records = await new BonjourMdnsBrowser().browse(ms);
  process.stdout.write(`${JSON.stringify(records)}\n`);
};

const ask = async (name: string, type: string, via: string): Promise<void> => {
  const socket = createSocket('udp4');
  socket.on('error', (err) => {
    console.error(err.message);
    process.exit(1);
  });
  await new Promise<void>((r) => socket.bind(0, () => r()));
  if (via) socket.setMulticastInterface(via);
  const id = 1 + Math.floor(Math.random() * 60000);
  const answers = await new Promise<unknown[]>((resolve) => {
    const timer = setTimeout(() => resolve([]), 3000);
    socket.on('message', (msg) => {
      try {
        const p = decode(msg);
        if (p.type !== 'response' || p.id !== id) return;
        clearTimeout(timer);
        resolve(summary(p.answers));
      } catch {
        // not for us
      }
    });
    const q: Packet = {
      type: 'query',
      id,
      questions: [{ name, type: type === 'ANY' ? ANY : (type as 'A') }],
    };
    socket.send(encode(q), PORT, GROUP);
  });
  socket.close();
  process.stdout.write(`${JSON.stringify(answers)}\n`);
};

const listen = async (address: string, only: string): Promise<void> => {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const bySender: Record<string, number> = {};
  socket.on('error', (err) => console.error(err.message));
  socket.on('message', (msg, rinfo) => {
    bySender[rinfo.address] = (bySender[rinfo.address] ?? 0) + 1;
    if (only && rinfo.address !== only) return;
    let line: Record<string, unknown> = {
      t: Date.now(),
      from: rinfo.address,
      port: rinfo.port,
      bytes: msg.length,
    };
    try {
      const p = decode(msg);
      line = {
        ...line,
        kind: p.type,
        answers: summary(p.answers),
        questions: p.questions?.map((q) => q.name),
      };
    } catch {
      line.kind = 'undecodable';
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  });
  await new Promise<void>((r) => socket.bind(PORT, '0.0.0.0', () => r()));
  socket.addMembership(GROUP, address);
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    socket.close();
    process.stdout.write(`${JSON.stringify({ bySender })}\n`, () => process.exit(0));
  });
};

/** Real mDNS shapes to mutate: queries the appliance answers, responses that name it. */
const SEEDS: Packet[] = [
  { type: 'query', id: 0, questions: [{ name: '_services._dns-sd._udp.local', type: 'PTR' }] },
  { type: 'query', id: 0, questions: [{ name: 'patch-depot.local', type: ANY }] },
  { type: 'query', id: 7, questions: [{ name: '_apt_proxy._tcp.local', type: 'PTR' }] },
  {
    type: 'response',
    answers: [{ name: 'patch-depot-9.local', type: 'A', ttl: 120, data: '10.0.0.9' }],
  },
];

const hostile = (rng: Rng): Buffer => {
  const kind = rng.int(6);
  if (kind === 0) return rng.bytes(rng.int(1500));
  const seed = encode(SEEDS[rng.int(SEEDS.length)]!);
  // Intact real queries too: each one the appliance could answer, so the once-a-second rule is tested.
  if (kind === 5) return seed;
  if (kind === 1) return seed.subarray(0, rng.int(seed.length));
  if (kind === 2) {
    const b = Buffer.from(seed);
    for (let i = 0; i < 1 + rng.int(6); i++) b[rng.int(b.length)] = rng.int(256);
    return b;
  }
  if (kind === 3) {
    // A header claiming thousands of records, then garbage or a compression pointer loop.
    const head = Buffer.alloc(12);
    head.writeUInt16BE(rng.int(65536), 4);
    head.writeUInt16BE(rng.int(65536), 6);
    return Buffer.concat([
      head,
      rng.chance(0.5) ? Buffer.from([0xc0, 12, 0xc0, 12]) : rng.bytes(rng.int(300)),
    ]);
  }
  const name = Array.from({ length: 1 + rng.int(8) }, () => 'x'.repeat(1 + rng.int(63))).join('.');
  return encode({ type: 'query', id: rng.int(65536), questions: [{ name: `${name}.local`, type: ANY }] });
};

const flood = async (count: number, seed: number, target: string): Promise<void> => {
  const rng = new Rng(seed);
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('error', () => {});
  // From port 5353 too, as a real responder would (multicast answers), then from an ephemeral port.
  await new Promise<void>((r) => socket.bind(PORT, () => r()));
  let sent = 0;
  for (let i = 0; i < count; i++) {
    const bytes = hostile(rng);
    await new Promise<void>((r) => socket.send(bytes, PORT, i % 2 ? target : GROUP, () => r()));
    sent++;
  }
  socket.close();
  process.stdout.write(`${JSON.stringify({ sent })}\n`);
};

const main = async (): Promise<void> => {
  if (mode === 'browse') return browse(Number(a1) || 3000);
  if (mode === 'ask') return ask(a1, a2 || 'A', a3);
  if (mode === 'listen') return listen(a1, a2);
  if (mode === 'flood') return flood(Number(a1), Number(a2), a3);
  throw new Error(
    'usage: mdns-tool.ts browse MS | ask NAME [TYPE] | listen ADDRESS | flood COUNT SEED TARGET',
  );
};

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
