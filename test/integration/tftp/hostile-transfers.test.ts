/**
 * A hostile client inside a transfer: options that stretch the retransmission timer, a file cut
 * short while it is sent, and floods of requests from many ports and addresses. Each transfer
 * ends on its own (never held past tftp.giveUpMs without progress), and every slot the flood took
 * is free again afterwards.
 */
import assert from 'node:assert/strict';
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode, encodeAck, encodeRequest, OP } from '../../../daemon/tftp/packet.js';
import { waitFor } from '../../support/wait-for.js';
import { tftpHarness, udpClient } from './tftp-harness.js';

const client = udpClient;

test('a client asking for a 255 s timeout and going quiet is still given up after giveUpMs', async (t) => {
  const h = await tftpHarness(t, { limits: { maxPerClient: 1, giveUpMs: 1000 } });
  await h.put('big.bin', Buffer.alloc(100_000, 1));
  const quiet = await client(t);
  quiet.send(encodeRequest('read', 'big.bin', 'octet', { timeout: '255' }), h.port);
  await waitFor(() => quiet.got.length > 0, 'the OACK');
  assert.equal(decode(quiet.got[0]!).kind, 'oack');
  // Well before the client's own 255 s: the slot must not be held for minutes.
  await waitFor(() => h.finished.length === 1, 'the transfer to be given up', 10_000);
  assert.equal(h.finished[0]!.outcome, 'timeout');
  assert.equal(h.server.active, 0);
});

test('a client timeout option caps the retransmission timer, it does not fix it: a lost block comes back on the measured one', async (t) => {
  // curl always asks for `timeout` (its own re-ACK interval, 5-6 s): waited out per lost block,
  // a 40 MB fetch at 5% loss would take hours. The server measures the round trip and resends
  // long before 255 s; the client's value only bounds the timer from above.
  const h = await tftpHarness(t);
  await h.put('fw.bin', Buffer.alloc(10 * 512 + 1, 3));
  const c = await client(t);
  c.send(encodeRequest('read', 'fw.bin', 'octet', { timeout: '255' }), h.port);
  await waitFor(() => c.got.length > 0, 'the OACK');
  const port = c.from[0]!;
  const data = (n: number) => c.got.filter((m) => m.readUInt16BE(0) === OP.DATA && m.readUInt16BE(2) === n);
  c.send(encodeAck(0), port);
  // Blocks 1-5 acknowledged as they come: round-trip samples.
  for (let n = 1; n <= 5; n++) {
    await waitFor(() => data(n).length > 0, `block ${n}`);
    c.send(encodeAck(n), port);
  }
  // Block 6 "lost": no ACK. Its retransmission must come on the measured timer, well inside the
  // 255 s the client asked for (the deadline here is the test's, far below it).
  await waitFor(() => data(6).length >= 2, 'block 6 sent again', 10_000);
  assert.equal(h.finished.length, 0, 'the transfer goes on');
});

test('a lost first answer is sent again at once when the client repeats its request, and after 1 s without: never at its 255 s', async (t) => {
  // The npm tftp client asks for `timeout 100` (meaning ms): read as seconds, a lost OACK waited
  // 100 s while the client repeated its request every 100 ms and gave up (a CI flake at 5% loss).
  const h = await tftpHarness(t, { limits: { giveUpMs: 10_000 } });
  await h.put('fw.bin', Buffer.alloc(4 * 512, 7));
  const oacks = (c: { got: Buffer[] }) => c.got.filter((m) => decode(m).kind === 'oack').length;

  const repeating = await client(t);
  const request = encodeRequest('read', 'fw.bin', 'octet', { timeout: '255' });
  repeating.send(request, h.port);
  await waitFor(() => oacks(repeating) === 1, 'the first OACK');
  // "Lost": the client asks again, five times within 100 ms. One more answer, at once.
  const asked = performance.now();
  for (let i = 0; i < 5; i++) repeating.send(request, h.port);
  await waitFor(() => oacks(repeating) === 2, 'the OACK again', 2_000);
  assert.ok(performance.now() - asked < 500, 'answered at once, not at the timer');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(oacks(repeating), 2, 'repeats within 250 ms get one answer');
  assert.equal(h.server.active, 1, 'still one transfer');

  // A client that does not repeat itself: the OACK comes again on the initial 1 s timer.
  const quiet = await client(t);
  quiet.send(request, h.port);
  await waitFor(() => oacks(quiet) === 1, 'the first OACK');
  const first = performance.now();
  await waitFor(() => oacks(quiet) === 2, 'the OACK resent', 5_000);
  assert.ok(performance.now() - first < 2_500, 'on the initial 1 s timer, not the 255 s asked for');
});

test('a file cut short while it is sent ends the transfer with a read error, not garbage or a hang', async (t) => {
  const h = await tftpHarness(t);
  await h.put('big.bin', Buffer.alloc(1_000_000, 7));
  const c = await client(t);
  c.send(encodeRequest('read', 'big.bin', 'octet', { blksize: '1024', windowsize: '8' }), h.port);
  await waitFor(() => c.got.length > 0, 'the OACK');
  const port = c.from[0]!;
  c.send(encodeAck(0), port);
  await waitFor(() => c.got.length >= 9, 'the first window');
  await truncate(join(h.root, 'big.bin'), 1000);
  // Acknowledge every window as it comes: the first read-ahead chunk (256 KiB) is still sent from
  // memory, the next read finds the file shorter than its size.
  let acked = 0;
  await waitFor(() => {
    const data = c.got.filter((m) => m.readUInt16BE(0) === OP.DATA);
    const last = data.at(-1)?.readUInt16BE(2) ?? 0;
    if (last > acked) {
      acked = last;
      c.send(encodeAck(last), port);
    }
    return h.finished.length === 1;
  }, 'the transfer to end');
  assert.equal(h.finished[0]!.outcome, 'read-error');
  assert.match(h.finished[0]!.detail, /shrank/);
  const data = c.got.filter((m) => m.readUInt16BE(0) === OP.DATA);
  assert.ok(
    data.every((m) => m.subarray(4).every((b) => b === 7)),
    'only the file bytes were sent',
  );
  assert.ok(
    data.every((m) => m.length === 4 + 1024),
    'no short block announced an end that is not there',
  );
  await waitFor(() => decode(c.got.at(-1)!).kind === 'error', 'the error reply');
});

test('floods of requests from many ports and many addresses: caps hold, and every slot comes back', async (t) => {
  const limits = { maxPerClient: 2, maxTransfers: 8, defaultTimeoutMs: 100, giveUpMs: 1000 };
  const h = await tftpHarness(t, { limits });
  await h.put('big.bin', Buffer.alloc(100_000, 1));
  const sockets = await Promise.all(
    Array.from({ length: 40 }, (_, i) => udpClient(t, `127.0.0.${2 + (i % 10)}`)),
  );
  let peak = 0;
  for (const s of sockets) {
    for (let i = 0; i < 3; i++) s.send(encodeRequest('read', i === 2 ? 'missing' : 'big.bin'), h.port);
    peak = Math.max(peak, h.server.active);
  }
  // A port's third request names another file: its transfer of big.bin is dropped for it
  // (same-port.test.ts), so the flood's transfers end dropped or given up.
  await waitFor(() => {
    peak = Math.max(peak, h.server.active);
    return (
      h.finished.some((r) => r.outcome === 'timeout' || r.outcome === 'aborted') && h.server.active === 0
    );
  }, 'every transfer the flood started to be given up');
  assert.ok(peak <= limits.maxTransfers, `at most ${limits.maxTransfers} transfers at once (${peak})`);
  assert.ok(h.refused.includes('busy'));
  // Each address holds nothing any more: it may start its two transfers again.
  const again = await Promise.all([udpClient(t, '127.0.0.2'), udpClient(t, '127.0.0.2')]);
  for (const c of again) c.send(encodeRequest('read', 'big.bin'), h.port);
  await waitFor(() => again.every((c) => c.got.length > 0), 'both answers');
  assert.deepEqual(
    again.map((c) => decode(c.got[0]!).kind),
    ['data', 'data'],
  );
});
