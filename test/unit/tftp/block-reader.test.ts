/**
 * BlockReader against a real file: every block comes out as the right DATA packet whichever order
 * the blocks are asked for in (a window moving on, a resend going back, a read ahead racing a
 * load), buffers are reused only when the socket holds none of their packets, and a file that
 * shrank is an error, not a short block.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { BlockReader } from '../../../daemon/tftp/block-reader.js';

const BLKSIZE = 512;
/** Three blocks a chunk: a 40-block file spans 14 chunks. */
const CHUNK = 3 * BLKSIZE;

const fileOf = async (t: TestContext, size: number) => {
  const dir = await mkdtemp(join(tmpdir(), 'pd-block-reader-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'f.bin');
  const body = randomBytes(size);
  await writeFile(path, body);
  const handle = await open(path, 'r');
  t.after(() => handle.close());
  return { path, body, handle };
};

/** The DATA packet block `n` of `body` should be. */
const expected = (body: Buffer, n: number): Buffer => {
  const header = Buffer.from([0, 3, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([header, body.subarray((n - 1) * BLKSIZE, n * BLKSIZE)]);
};

/** Block `n` from the reader, loading its chunk when it is not in memory. */
const block = async (r: BlockReader, n: number): Promise<Buffer> => {
  const cached = r.cached(n);
  if (cached) return cached;
  await r.load(n);
  return r.cached(n)!;
};

test('blocks in order, with the next chunk read ahead, and going back for a resend', async (t) => {
  const size = 40 * BLKSIZE + 100;
  const { body, handle } = await fileOf(t, size);
  const r = new BlockReader(handle, size, BLKSIZE, CHUNK, () => true);
  assert.equal(r.blocks, 41);
  for (let n = 1; n <= r.blocks; n++) {
    assert.deepEqual(await block(r, n), expected(body, n), `block ${n}`);
    r.ahead(n);
    // A resend of the window's start: back one block, sometimes across a chunk boundary.
    if (n > 1) assert.deepEqual(await block(r, n - 1), expected(body, n - 1), `block ${n - 1} again`);
  }
  for (const n of [41, 1, 20, 2, 40, 39, 7]) assert.deepEqual(await block(r, n), expected(body, n));
});

test('a read ahead and a load of the same chunk, or of another, never serve a half-read chunk', async (t) => {
  const size = 30 * BLKSIZE;
  const { body, handle } = await fileOf(t, size);
  const r = new BlockReader(handle, size, BLKSIZE, CHUNK, () => true);
  await r.load(1);
  r.ahead(1); // chunk 1 (blocks 4-6) in flight
  assert.equal(r.cached(4), undefined);
  const [a, b] = await Promise.all([block(r, 4), block(r, 10)]);
  assert.deepEqual(a, expected(body, 4));
  assert.deepEqual(b, expected(body, 10));
  // A file that is a whole number of blocks ends with an empty one.
  assert.equal(r.blocks, 31);
  assert.deepEqual(await block(r, 31), Buffer.from([0, 3, 0, 31]));
});

test('a packet the socket may still hold is never overwritten', async (t) => {
  const size = 20 * BLKSIZE;
  const { body, handle } = await fileOf(t, size);
  let queued = true;
  const r = new BlockReader(handle, size, BLKSIZE, CHUNK, () => !queued);
  const held = await block(r, 1);
  await block(r, 4);
  await block(r, 7); // reads into a slot: a fresh buffer, since a send may still be queued
  assert.deepEqual(held, expected(body, 1));
  queued = false;
  const before = new Set([r.cached(4)!.buffer, r.cached(7)!.buffer]);
  await block(r, 10);
  await block(r, 13);
  // With the queue empty the two buffers are read into again: no new memory per chunk.
  assert.deepEqual(new Set([r.cached(10)!.buffer, r.cached(13)!.buffer]), before);
});

test('a file that shrank while being sent is an error', async (t) => {
  const size = 10 * BLKSIZE;
  const { path, handle } = await fileOf(t, size);
  const r = new BlockReader(handle, size, BLKSIZE, CHUNK);
  await r.load(1);
  await truncate(path, 4 * BLKSIZE);
  await assert.rejects(r.load(7), /shrank/);
  assert.equal(r.cached(7), undefined);
});
