/**
 * Duplicated and reordered packets (the lab's UDP relay: 10% of packets each way sent twice, 10%
 * held up to 50 ms): atftp and curl still get the exact bytes at windowsize 1 and 16, and the
 * server does not fall into the sorcerer's apprentice: each impaired packet costs at most one
 * window of resent blocks, where answering duplicate ACKs would send every block twice.
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
import { waitFor } from '../../support/wait-for.js';
import { sha256, tftpHarness } from './tftp-harness.js';

const BODY = randomBytes(3_000_000 + 99);

const relayed = async (t: TestContext) => {
  const h = await tftpHarness(t);
  await h.put('fw.bin', BODY);
  const relay = new UdpRelay({
    listen: { address: '127.0.0.1', port: 0 },
    server: { address: '127.0.0.1', port: h.port },
    duplicatePercent: 10,
    delayPercent: 10,
    maxDelayMs: 50,
    // atftp aborts when it sees the OACK twice: the option handshake is spared (see TFTP_BLOCKS).
    spare: (msg) =>
      msg.readUInt16BE(0) === OP.OACK || (msg.readUInt16BE(0) === OP.ACK && msg.readUInt16BE(2) === 0),
  });
  await relay.start();
  t.after(() => relay.stop());
  return { h, relay };
};

const noStorm = async (h: Awaited<ReturnType<typeof tftpHarness>>, relay: UdpRelay) => {
  await waitFor(() => h.finished.length > 0, 'the transfer to end');
  const done = h.finished[0]!;
  assert.equal(done.outcome, 'complete', done.detail);
  const { duplicated, delayed } = relay.stats;
  assert.ok(duplicated > 0 && delayed > 0, 'the relay did impair the link');
  const resent = done.bytesSent - BODY.length;
  const bound = (duplicated + delayed) * done.windowsize * done.blksize;
  assert.ok(
    resent <= bound,
    `resent ${resent} bytes for ${duplicated + delayed} impaired packets (at most ${bound}: one window each)`,
  );
  return resent;
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
    await noStorm(h, relay);
  });
}

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
  await noStorm(h, relay);
});
