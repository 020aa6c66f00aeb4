/**
 * A windowed client that ACKs every block as it arrives (some boot loaders do, windowsize or not):
 * its ACK for a block mid-window is no gap (RFC 7440), the blocks after it are on their way. The
 * server must not take each window's first ACK for a gap and send the window again: at most the
 * first window goes out twice (one ACK cannot tell the two kinds of client apart), every later one
 * once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode, encodeAck } from '../../../daemon/tftp/packet.js';
import { Transfer } from '../../../daemon/tftp/transfer.js';

const BLKSIZE = 512;
const WINDOW = 8;

test('a client that ACKs every block of a window gets each window once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tftp-ack-each-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const body = randomBytes(200 * BLKSIZE + 33);
  const blocks = Math.ceil((body.length + 1) / BLKSIZE);
  await writeFile(join(dir, 'f.bin'), body);
  const client: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  t.after(() => client.close());
  const got = new Map<number, Buffer>();
  let dataPackets = 0;
  let contiguous = 0;
  client.on('message', (msg, from) => {
    const p = decode(msg);
    if (p.kind !== 'data') return;
    dataPackets++;
    if (p.block === ((contiguous + 1) & 0xffff)) {
      contiguous++;
      got.set(contiguous, Buffer.from(msg.subarray(4)));
    }
    client.send(encodeAck(contiguous & 0xffff), from.port, '127.0.0.1');
  });
  const transfer = new Transfer({
    handle: await open(join(dir, 'f.bin')),
    size: body.length,
    peer: { address: '127.0.0.1', port: client.address().port },
    bindAddress: '127.0.0.1',
    negotiated: { blksize: BLKSIZE, windowsize: WINDOW, timeoutMs: 5_000, oack: undefined },
    giveUpMs: 30_000,
  });
  t.after(() => transfer.abort('test over'));
  const result = await transfer.start();
  assert.equal(result.outcome, 'complete', result.detail);
  assert.deepEqual(Buffer.concat([...got.values()]), body);
  // A timer that runs out (the machine stalled the client past the RTO) resends a window and
  // starts the short-ACK count again: up to two windows each, which says nothing of the ACK rule.
  assert.ok(
    dataPackets <= blocks + WINDOW + result.timeouts * 2 * WINDOW,
    `${dataPackets} DATA packets for ${blocks} blocks (${result.retransmits} retransmissions, ${result.timeouts} on the timer)`,
  );
});
