/**
 * Duplicated and reordered packets (the lab's UDP relay: 10% of packets each way sent twice, 10%
 * held up to 50 ms): atftp and curl still get the exact bytes at windowsize 1 and 16, and the
 * server does not fall into the sorcerer's apprentice: each impaired packet costs at most one
 * window of resent blocks, where answering duplicate ACKs would send every block twice. The npm
 * tftp client goes through the same relay where it can (see the note above its tests).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import { OP } from '../../../daemon/tftp/packet.js';
import { hasCommand } from '../../../scripts/lab/netns.js';
import { UdpRelay } from '../../../scripts/lab/udp-relay.js';
import { atftpGet } from '../../support/atftp.js';
import { npmTftpGet } from '../../support/npm-tftp.js';
import { waitFor } from '../../support/wait-for.js';
import { sha256, tftpHarness } from './tftp-harness.js';

const BODY = randomBytes(3_000_000 + 99);

const relayed = async (t: TestContext, delayPercent = 10) => {
  const h = await tftpHarness(t);
  await h.put('fw.bin', BODY);
  const relay = new UdpRelay({
    listen: { address: '127.0.0.1', port: 0 },
    server: { address: '127.0.0.1', port: h.port },
    duplicatePercent: 10,
    delayPercent,
    maxDelayMs: 50,
    // atftp (and the npm client) abort when they see the OACK twice: the option handshake is spared (see TFTP_BLOCKS).
    spare: (msg) =>
      msg.readUInt16BE(0) === OP.OACK || (msg.readUInt16BE(0) === OP.ACK && msg.readUInt16BE(2) === 0),
  });
  await relay.start();
  t.after(() => relay.stop());
  return { h, relay };
};

const noStorm = async (
  t: TestContext,
  h: Awaited<ReturnType<typeof tftpHarness>>,
  relay: UdpRelay,
  held = true,
) => {
  await waitFor(() => h.finished.length > 0, 'the transfer to end');
  const done = h.finished[0]!;
  assert.equal(done.outcome, 'complete', done.detail);
  const { duplicated, delayed } = relay.stats;
  assert.ok(duplicated > 0, 'the relay did duplicate packets');
  assert.equal(delayed > 0, held, 'the relay held packets if told to');
  const resent = done.bytesSent - BODY.length;
  const bound = (duplicated + delayed) * done.windowsize * done.blksize;
  assert.ok(
    resent <= bound,
    `resent ${resent} bytes for ${duplicated + delayed} impaired packets (at most ${bound}: one window each)`,
  );
  t.diagnostic(`relay ${JSON.stringify(relay.stats)}; resent ${resent} bytes of at most ${bound}`);
};

for (const windowsize of [1, 16]) {
  test(`atftp at windowsize ${windowsize} through duplicates and reordering: exact bytes, no resend storm`, {
    skip: !hasCommand('atftp') && 'atftp missing',
  }, async (t) => {
    const { h, relay } = await relayed(t);
    const out = join(h.dir, 'got.bin');
    await atftpGet({
      server: '127.0.0.1',
      port: relay.port,
      file: 'fw.bin',
      out,
      options: { blksize: 1468, windowsize },
    });
    assert.equal(sha256(await readFile(out)), sha256(BODY));
    await noStorm(t, h, relay);
  });
}

test('atftp at windowsize 16 through duplicated packets only: less than the file again is resent, no windowed storm', {
  skip: !hasCommand('atftp') && 'atftp missing',
}, async (t) => {
  // atftp answers a repeated block with an ACK of its last block, which reads as a gap (RFC
  // 7440); resending the window on it made more copies, hence more such ACKs: 15 MB resent for
  // this 3 MB file. A short ACK for a block the last gap resend sent twice only slides the window.
  const { h, relay } = await relayed(t, 0);
  const out = join(h.dir, 'got.bin');
  const options = { blksize: 1468, windowsize: 16 };
  await atftpGet({ server: '127.0.0.1', port: relay.port, file: 'fw.bin', out, options });
  assert.equal(sha256(await readFile(out)), sha256(BODY));
  await noStorm(t, h, relay, false);
  const resent = h.finished[0]!.bytesSent - BODY.length;
  assert.ok(resent < BODY.length, `resent ${resent} bytes for a ${BODY.length}-byte file`);
});

test('curl tftp:// through duplicates and reordering: exact bytes, no resend storm', {
  skip: !hasCommand('curl') && 'curl missing',
}, async (t) => {
  const { h, relay } = await relayed(t);
  const out = join(h.dir, 'got.bin');
  // Not spawnSync: the relay runs in this process and must keep forwarding meanwhile.
  await promisify(execFile)('curl', [
    '-sS',
    '--max-time',
    '120',
    '-o',
    out,
    `tftp://127.0.0.1:${relay.port}/fw.bin`,
  ]);
  assert.equal(sha256(await readFile(out)), sha256(BODY));
  await noStorm(t, h, relay);
});

/*
 * The npm tftp client (0.1.2) copes with duplicates and held packets at windowsize 1 only. At a
 * larger window it cannot take reordering: it never sorts a window (`this._windowsSize > 1` in
 * lib/protocol/reader.js is a typo for `_windowSize`, so the sort never runs), so a window whose
 * blocks arrive out of order is handed out in arrival order (wrong bytes) and ACKed at the block
 * that came last instead of the highest; and its retransmission path (also its only way to recover
 * a lost block) moves `_windowStart` but not `_windowEnd`, so after a short ACK it drops the
 * server's next windows as out of range and gives up ("Timed out"). Seen here: ACK 20 for a
 * window 17..32 whose block 20 came last, then one ACK per 3 s timer (36, 48, 48) until it gave
 * up. Duplicates alone it handles at any window: tested below.
 */
for (const [windowSize, delayPercent] of [
  [1, 10],
  [16, 0],
] as const) {
  test(`the npm tftp client at windowsize ${windowSize} through duplicates${delayPercent ? ' and reordering' : ''}: exact bytes, no resend storm`, async (t) => {
    const { h, relay } = await relayed(t, delayPercent);
    const got = await npmTftpGet({ port: relay.port, file: 'fw.bin', blockSize: 1468, windowSize });
    assert.equal(sha256(got), sha256(BODY));
    await noStorm(t, h, relay, delayPercent > 0);
  });
}
