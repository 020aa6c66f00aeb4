/**
 * An ACK that lands while a window is still going out (the next chunk of the file is being read,
 * so the event loop turns between sends): a client that found a gap (RFC 7440) says so at once,
 * often before the server has sent the window's last block. The transfer must take that ACK as it
 * is, stop the stale window and start the next one at the first missing block, not ignore it and
 * leave the client waiting for the retransmission timer. The file is a fake read 4 blocks at a
 * time whose reads past block 4 wait until the server has handled the ACK, so the ACK always
 * lands mid-window. Client and server share this event loop: once the ACK sits in the transfer
 * socket's queue, the loop's next poll phase reads it, and two `setImmediate` turns later (each
 * after a poll phase) it has been handled.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import { type TestContext, test } from 'node:test';
import { decode, encodeAck } from '../../../daemon/tftp/packet.js';
import { Transfer } from '../../../daemon/tftp/transfer.js';
import { waitFor } from '../../support/wait-for.js';

const BLKSIZE = 512;
const WINDOW = 16;
const SIZE = BLKSIZE * 40 + 7;

const bound = async (t: TestContext): Promise<Socket> => {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  t.after(() => s.close());
  return s;
};

/** A file of SIZE bytes (each byte its block number) whose reads at `gateFrom` and on wait for `open`. */
const gatedFile = (gateFrom: number) => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const handle = {
    readv: async (buffers: Buffer[], position: number) => {
      if (position >= gateFrom * BLKSIZE) await opened;
      let bytesRead = 0;
      for (const buf of buffers) {
        const at = position + bytesRead;
        const n = Math.max(0, Math.min(buf.length, SIZE - at));
        buf.fill((at / BLKSIZE + 1) & 0xff, 0, n);
        bytesRead += n;
      }
      return { bytesRead, buffers };
    },
    close: async () => {},
  };
  return { handle: handle as unknown as FileHandle, open };
};

test('a gap ACK that lands mid-window restarts the window at the first missing block', async (t) => {
  const client = await bound(t);
  const blocks: number[] = [];
  let serverPort = 0;
  client.on('message', (msg, from) => {
    const p = decode(msg);
    if (p.kind !== 'data') return;
    serverPort = from.port;
    blocks.push(p.block);
  });
  // Blocks 1..4 are read at once; 5 waits until the server has seen the client's ACK 2.
  const file = gatedFile(4);
  const transfer = new Transfer({
    handle: file.handle,
    size: SIZE,
    peer: { address: '127.0.0.1', port: client.address().port },
    bindAddress: '127.0.0.1',
    // A long timeout: only the ACK can bring block 3 back within the test's deadline.
    negotiated: { blksize: BLKSIZE, windowsize: WINDOW, timeoutMs: 60_000, oack: undefined },
    giveUpMs: 120_000,
    readAheadBytes: 4 * BLKSIZE,
  });
  t.after(() => transfer.abort('test over'));
  void transfer.start();

  await waitFor(() => blocks.length === 4, 'blocks 1 to 4');
  // The client holds 1 and 2 and misses 3 (say): it ACKs 2 while the server is reading block 5.
  await new Promise<void>((resolve) => client.send(encodeAck(2), serverPort, '127.0.0.1', () => resolve()));
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  await turn();
  await turn();
  file.open();
  await waitFor(() => blocks.length >= 4 + WINDOW, 'the next window');
  assert.deepEqual(blocks.slice(0, 4 + WINDOW), [
    ...[1, 2, 3, 4],
    ...Array.from({ length: WINDOW }, (_, i) => 3 + i),
  ]);
});
