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
    d.appended(data);
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
