/**
 * Real TFTP clients against the server on loopback: curl's tftp://, atftp (with blksize and
 * windowsize options), the npm tftp package's client and tftp-hpa's tftp, each fetching a file past the 65,535-block rollover and
 * checking its exact sha256. Clients that are not installed are skipped with the reason.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { hasCommand } from '../../../scripts/lab/netns.js';
import { atftpGet, BLOCK_AND_WINDOW } from '../../support/atftp.js';
import { npmTftpGet } from '../../support/npm-tftp.js';
import { waitFor } from '../../support/wait-for.js';
import { sha256, tftpHarness } from './tftp-harness.js';

const run = promisify(execFile);
// 78,126 blocks of 512 bytes: the block number rolls over from 65535 to 0 on the way.
const BIG = randomBytes(40_000_000 + 123);

test('curl tftp:// fetches a 40 MB file across the block-number rollover', {
  skip: !hasCommand('curl') && 'curl missing',
}, async (t) => {
  const h = await tftpHarness(t);
  await h.put('fw/big.bin', BIG);
  const out = join(h.dir, 'got.bin');
  await run('curl', ['-sS', '--max-time', '120', '-o', out, `tftp://127.0.0.1:${h.port}/fw/big.bin`]);
  assert.equal(sha256(await readFile(out)), sha256(BIG));
  assert.equal(h.finished.at(-1)?.outcome, 'complete');
  assert.equal(h.finished.at(-1)?.blksize, 512);
});

for (const [blksize, windowsize] of BLOCK_AND_WINDOW) {
  test(`atftp with blksize ${blksize} and windowsize ${windowsize} gets the exact bytes`, {
    skip: !hasCommand('atftp') && 'atftp missing',
  }, async (t) => {
    const h = await tftpHarness(t);
    await h.put('big.bin', BIG);
    const out = join(h.dir, 'got.bin');
    await atftpGet({
      server: '127.0.0.1',
      port: h.port,
      file: 'big.bin',
      out,
      options: { blksize, windowsize, tsize: 0 },
    });
    assert.equal(sha256(await readFile(out)), sha256(BIG));
    const done = h.finished.at(-1);
    assert.deepEqual([done?.outcome, done?.blksize, done?.windowsize], ['complete', blksize, windowsize]);
  });
}

// 512/16 crosses the rollover with a window that straddles it (65,535 is not a multiple of 16);
// at 1468 bytes the 40 MB file is 27,249 blocks and never rolls over.
for (const [blockSize, windowSize] of [
  [512, 1],
  [512, 16],
  [1468, 16],
] as const) {
  test(`the npm tftp client with blksize ${blockSize} and windowsize ${windowSize} gets the exact bytes`, async (t) => {
    const h = await tftpHarness(t);
    await h.put('big.bin', BIG);
    const got = await npmTftpGet({ port: h.port, file: 'big.bin', blockSize, windowSize });
    assert.equal(sha256(got), sha256(BIG));
    await waitFor(() => h.finished.length > 0, 'the transfer to end');
    const done = h.finished[0];
    assert.deepEqual([done?.outcome, done?.blksize, done?.windowsize], ['complete', blockSize, windowSize]);
  });
}

test('tftp-hpa fetches a small config file in octet mode', {
  skip: !hasCommand('tftp') && 'tftp-hpa missing',
}, async (t) => {
  const h = await tftpHarness(t);
  await h.put('SEP001122334455.cnf.xml', '<device><loadInformation>P003-8-12</loadInformation></device>\n');
  const out = join(h.dir, 'phone.xml');
  await run('timeout', [
    '30',
    'tftp',
    '-m',
    'octet',
    '127.0.0.1',
    String(h.port),
    '-c',
    'get',
    'SEP001122334455.cnf.xml',
    out,
  ]);
  assert.match(await readFile(out, 'utf8'), /P003-8-12/);
});

test('an empty file and a file of exactly one block end with the right short block', {
  skip: !hasCommand('atftp') && 'atftp missing',
}, async (t) => {
  const h = await tftpHarness(t);
  await h.put('empty', '');
  await h.put('one-block', Buffer.alloc(512, 7));
  for (const [name, size] of [
    ['empty', 0],
    ['one-block', 512],
  ] as const) {
    const out = join(h.dir, `${name}.got`);
    await atftpGet({ server: '127.0.0.1', port: h.port, file: name, out, timeoutSeconds: 30 });
    assert.equal((await readFile(out)).length, size);
  }
});
