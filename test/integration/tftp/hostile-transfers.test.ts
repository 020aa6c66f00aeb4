/**
 * A hostile client inside a transfer: options that stretch the retransmission timer. Each
 * transfer ends on its own, never held past tftp.giveUpMs without progress.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encodeRequest } from '../../../daemon/tftp/packet.js';
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
