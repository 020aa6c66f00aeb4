/**
 * The retransmission path against a hostile client: while it fetches a file through a window of 8
 * blocks, every genuine ACK comes with random company on the transfer's own port: the same ACK
 * again, ACKs of blocks long acknowledged, of blocks not sent yet (a few ahead, far ahead, across
 * the 16-bit rollover), random bytes, DATA, OACK, read requests. The bytes it gets are exact, no
 * block is skipped on an ACK for one never sent, and the noise never multiplies the traffic.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { encodeAck, encodeData, encodeOack, encodeRequest, OP } from '../../../daemon/tftp/packet.js';
import { fuzzRun } from '../../support/fuzz-seed.js';
import { Rng } from '../../support/prng.js';
import { waitFor } from '../../support/wait-for.js';
import { sha256, tftpHarness, udpClient } from './tftp-harness.js';

const BLKSIZE = 512;
const WINDOW = 8;

test('a windowed transfer amid duplicate, late, future and random datagrams: exact bytes, no amplification', async (t) => {
  const run = fuzzRun(2000);
  t.diagnostic(`replay: ${run.replay}`);
  const rng = new Rng(run.seed);
  const blocks = Math.max(64, Math.ceil(run.count / 3));
  const body = randomBytes(blocks * BLKSIZE - 100);
  const total = Math.ceil((body.length + 1) / BLKSIZE);
  const h = await tftpHarness(t, { limits: { defaultTimeoutMs: 200, giveUpMs: 10_000 } });
  await h.put('f.bin', body);
  const c = await udpClient(t);
  const parts = new Map<number, Buffer>();
  let port = 0;
  let contiguous = 0;
  let windowEnd = WINDOW;
  /** The last block this client acknowledged. */
  let acked = 0;
  let dataPackets = 0;
  let noise = 0;
  const hostile = (): Buffer => {
    switch (rng.int(8)) {
      // An ACK of a block this client holds but has not acknowledged yet is no noise: it tells the
      // server of a gap (RFC 7440). Duplicate and late ones repeat what the server already heard.
      case 0:
        return encodeAck(acked & 0xffff); // the same ACK again
      case 1:
        return encodeAck(Math.max(0, acked - 1 - rng.int(20)) & 0xffff); // late
      case 2:
        // Not sent yet: the server's window starts at most one past what this client acknowledged.
        return encodeAck((contiguous + WINDOW + 1 + rng.int(WINDOW * 4)) & 0xffff);
      case 3:
        return encodeAck((contiguous + 30_000 + rng.int(30_000)) & 0xffff); // far ahead, or rolled over
      case 4: {
        // Random bytes, but never an ERROR (opcode 5): from the client's own address that ends the
        // transfer, as RFC 1350 says it must (one run in some hundreds drew one).
        const b = rng.bytes(rng.int(40));
        if (b.length >= 2 && b[0] === 0 && b[1] === OP.ERROR) b[1] = 0xff;
        return b;
      }
      case 5:
        return encodeData((contiguous + 1) & 0xffff, rng.bytes(rng.int(600)));
      case 6:
        return encodeOack(new Map([['blksize', String(rng.between(-5, 70_000))]]));
      default:
        return encodeRequest('read', 'f.bin');
    }
  };
  c.socket.on('message', (m, rinfo) => {
    if (port === 0) port = rinfo.port;
    if (m.readUInt16BE(0) === OP.OACK && contiguous === 0) c.send(encodeAck(0), port);
    if (m.readUInt16BE(0) !== OP.DATA) return;
    dataPackets++;
    // Block numbers roll over from 65535 to 0 (FUZZ_COUNT over 196,000 makes a file that does):
    // the absolute block is the one nearest to what this client holds.
    const d = (m.readUInt16BE(2) - (contiguous & 0xffff)) & 0xffff;
    const n = d > 0x8000 ? contiguous - (0x10000 - d) : contiguous + d;
    if (n > contiguous && !parts.has(n)) parts.set(n, Buffer.from(m.subarray(4)));
    const before = contiguous;
    while (parts.has(contiguous + 1)) contiguous++;
    for (let k = rng.int(4); k > 0; k--) {
      c.send(hostile(), port);
      noise++;
    }
    // As RFC 7440 has it: an ACK at the end of each window, at a gap, and for a block sent again.
    if (contiguous >= windowEnd || contiguous === total || n > before + 1 || n <= before) {
      c.send(encodeAck(contiguous), port);
      acked = contiguous;
      windowEnd = contiguous + WINDOW;
    }
  });
  c.send(
    encodeRequest('read', 'f.bin', 'octet', { blksize: String(BLKSIZE), windowsize: String(WINDOW) }),
    h.port,
  );
  await waitFor(() => h.finished.length === 1, 'the transfer to end', 60_000);
  const record = h.finished[0]!;
  assert.equal(
    record.outcome,
    'complete',
    `${record.detail}; ${contiguous} of ${total} blocks, ${dataPackets} DATA`,
  );
  assert.equal(contiguous, total, 'every block arrived, none skipped');
  const got = Buffer.concat([...Array(total).keys()].map((i) => parts.get(i + 1)!));
  assert.equal(sha256(got), sha256(body));
  // A clean run sends each block once; the retransmission timer may resend a window now and then
  // on a loaded machine, but the noise (duplicates above all) must not turn into resends.
  assert.ok(
    dataPackets < 1.5 * total,
    `${dataPackets} DATA packets for ${total} blocks amid ${noise} hostile datagrams`,
  );
});

test('a client that closes its port mid-window: given up once quiet, its slot back', async (t) => {
  const h = await tftpHarness(t, { limits: { defaultTimeoutMs: 100, giveUpMs: 1500, maxPerClient: 1 } });
  await h.put('f.bin', randomBytes(200_000));
  // Its own socket, not the harness's: this one is closed mid-transfer.
  const socket = createSocket('udp4');
  let data = 0;
  socket.on('message', (m, rinfo) => {
    if (m.readUInt16BE(0) === OP.OACK) socket.send(encodeAck(0), rinfo.port, '127.0.0.1');
    if (m.readUInt16BE(0) === OP.DATA) data++;
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  socket.send(encodeRequest('read', 'f.bin', 'octet', { windowsize: String(WINDOW) }), h.port, '127.0.0.1');
  await waitFor(() => data >= WINDOW, 'a window');
  socket.close(); // ICMP port unreachable answers the server from now on
  await waitFor(() => h.finished.length === 1, 'the transfer to be given up', 10_000);
  const record = h.finished[0]!;
  assert.equal(record.outcome, 'timeout', JSON.stringify(record));
  // Whether the kernel's ICMP port unreachable came back by then is its own business (rate-limited):
  // the detail may or may not add that the client closed its port.
  assert.match(record.detail, /^no progress for \d+ s/, JSON.stringify(record));
  assert.equal(h.server.active, 0);
  const again = await udpClient(t);
  again.send(encodeRequest('read', 'f.bin'), h.port);
  await waitFor(() => again.got.some((m) => m.readUInt16BE(0) === OP.DATA), 'a new transfer for this client');
});
