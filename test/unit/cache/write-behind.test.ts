import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Download } from '../../../daemon/cache/download.js';
import { FatalError } from '../../../daemon/cache/download-errors.js';
import { WriteBehind } from '../../../daemon/cache/write-behind.js';

/** A download whose temp file holds each writev until the test lets it finish. */
const slowDisk = (total?: number) => {
  const writes: Array<{ bufs: Uint8Array[]; pos: number; finish(err?: Error): void }> = [];
  const arrived: number[] = [];
  const d = {
    url: 'http://mirror.test/pool/x.deb',
    written: 0,
    total,
    arrived(b: Uint8Array) {
      arrived.push(...b);
    },
    stored(n: number) {
      d.written += n;
    },
    temp: {
      handle: {
        writev: (bufs: Uint8Array[], pos: number) =>
          new Promise((resolve, reject) => {
            const bytes = bufs.reduce((n, b) => n + b.length, 0);
            writes.push({
              bufs,
              pos,
              finish: (err) => (err ? reject(err) : resolve({ bytesWritten: bytes })),
            });
          }),
      },
    },
  };
  return { d: d as unknown as Download, writes, arrived };
};

test('packets that arrive while a write is in flight go out together, in order, once it is done', async () => {
  const { d, writes, arrived } = slowDisk(5);
  const hash = createHash('sha256');
  let stored = 0;
  const disk = new WriteBehind(d, {
    makeRoom: async () => undefined,
    hash: () => hash,
    onStored: (n) => (stored += n),
  });
  await disk.push(Uint8Array.of(1, 2));
  await disk.push(Uint8Array.of(3));
  await disk.push(Uint8Array.of(4, 5));
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 1, 'the receiver did not wait for the disk');
  assert.equal(disk.end, 5);
  assert.equal(d.written, 0, 'nothing counts as written before it is on disk');
  assert.deepEqual(arrived, [1, 2, 3, 4, 5], 'readers get the bytes before they are on disk');
  writes[0]!.finish();
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 2);
  assert.deepEqual(
    { pos: writes[1]!.pos, n: writes[1]!.bufs.length },
    { pos: 2, n: 2 },
    'one writev after the first',
  );
  writes[1]!.finish();
  await disk.drain();
  assert.equal(d.written, 5);
  assert.equal(stored, 5);
  assert.equal(
    hash.digest('hex'),
    createHash('sha256')
      .update(Uint8Array.of(1, 2, 3, 4, 5))
      .digest('hex'),
  );
});

test('a failed write is the download error: the next push and drain throw it, later bytes never count', async () => {
  const { d, writes } = slowDisk();
  const hash = createHash('sha256');
  const disk = new WriteBehind(d, {
    makeRoom: async () => undefined,
    hash: () => hash,
    onStored: () => undefined,
  });
  await disk.push(Uint8Array.of(1));
  await disk.push(Uint8Array.of(2));
  await new Promise((r) => setImmediate(r));
  writes[0]!.finish(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
  await assert.rejects(
    disk.drain(),
    (err: Error) => err instanceof FatalError && /disk is full/.test(err.message),
  );
  await assert.rejects(disk.push(Uint8Array.of(3)), FatalError);
  assert.equal(writes.length, 1, 'nothing written after the failure');
  assert.equal(d.written, 0);
});

test('a body of unknown length reaches readers only once stored (its quota room grows as it goes)', async () => {
  const { d, writes, arrived } = slowDisk();
  const disk = new WriteBehind(d, {
    makeRoom: async () => undefined,
    hash: () => createHash('sha256'),
    onStored: () => undefined,
  });
  await disk.push(Uint8Array.of(1, 2));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(arrived, [], 'nothing before it is on disk');
  writes[0]!.finish();
  await disk.drain();
  assert.deepEqual(arrived, [1, 2]);
  assert.equal(d.written, 2);
});
