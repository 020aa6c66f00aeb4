import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Download } from '../../../daemon/cache/download.js';

const MiB = 1024 * 1024;

/** A download whose temp file is real, with its positional reads counted. */
const downloadOnDisk = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pd-download-readers-'));
  const path = join(dir, 'x.part');
  const handle = await open(path, 'w+');
  const reads: Array<{ pos: number; len: number }> = [];
  const counted = Object.create(handle) as typeof handle;
  counted.read = ((buf: Buffer, off: number, len: number, pos: number) => {
    reads.push({ pos, len });
    return handle.read(buf, off, len, pos);
  }) as typeof handle.read;
  const d = new Download('http://mirror.test/pool/x.deb', { path, handle: counted }, 0);
  /** Bytes onto the disk first, then announced, as the write-behind queue does. */
  const store = async (data: Buffer) => {
    await handle.write(data, 0, data.length, d.written);
    d.arrived(data);
    d.stored(data.length);
  };
  const cleanup = async () => {
    await handle.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  return { d, reads, store, cleanup };
};

const readAll = async (d: Download, start: number, end: number): Promise<Buffer> => {
  const reader = d.attach(start, end);
  assert.ok(reader);
  const parts: Buffer[] = [];
  for await (const c of reader.chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
};

test('readers behind the in-memory tail share their disk reads, and each gets exactly its bytes', async () => {
  const { d, reads, store, cleanup } = await downloadOnDisk();
  try {
    const body = randomBytes(12 * MiB);
    d.total = body.length + 1; // still running: every byte but the last may be read
    d.headersKnown();
    for (let off = 0; off < body.length; off += 64 * 1024) await store(body.subarray(off, off + 64 * 1024));
    // 30 clients that fell behind read the first 6 MiB (no longer in memory) at the same time.
    const results = await Promise.all(Array.from({ length: 30 }, () => readAll(d, 0, 6 * MiB)));
    for (const r of results) assert.ok(r.equals(body.subarray(0, 6 * MiB)));
    assert.equal(reads.length, 6, 'one read per 1 MiB block, however many readers need it');
    assert.deepEqual(
      reads.map((r) => r.pos),
      [0, 1, 2, 3, 4, 5].map((i) => i * MiB),
    );
    // A range that starts and ends mid-block gets exactly those bytes.
    const mid = await readAll(d, 3 * MiB + 17, 5 * MiB - 3);
    assert.ok(mid.equals(body.subarray(3 * MiB + 17, 5 * MiB - 3)));
  } finally {
    await cleanup();
  }
});

test('readers get bytes as they arrive, before the disk has them; bytes gone from memory wait for the disk', async () => {
  const { d, cleanup } = await downloadOnDisk();
  try {
    const body = randomBytes(6 * MiB);
    d.total = body.length + 1;
    d.headersKnown();
    for (let off = 0; off < body.length; off += 64 * 1024) d.arrived(body.subarray(off, off + 64 * 1024));
    // The last 4 MiB are in memory: served although nothing is on disk yet.
    const recent = await readAll(d, 5 * MiB, 6 * MiB);
    assert.ok(recent.equals(body.subarray(5 * MiB)));
    // The first MiB is neither in memory nor on disk: that reader waits for the disk.
    const pending = readAll(d, 0, MiB);
    const first = await Promise.race([
      pending.then(() => 'read'),
      new Promise((r) => setTimeout(() => r('waiting'), 20)),
    ]);
    assert.equal(first, 'waiting', 'no bytes before they are on disk');
    await d.temp.handle.write(body, 0, body.length, 0);
    d.stored(body.length);
    assert.ok((await pending).equals(body.subarray(0, MiB)));
  } finally {
    await cleanup();
  }
});

test('a reader waiting for the disk is cut off when the download fails, not left hanging', async () => {
  const { d, cleanup } = await downloadOnDisk();
  try {
    d.total = 6 * MiB + 1;
    d.headersKnown();
    d.arrived(randomBytes(6 * MiB));
    const waiting = readAll(d, 0, MiB);
    d.failed(new Error('disk full'));
    await assert.rejects(waiting, /disk full/);
  } finally {
    await cleanup();
  }
});
