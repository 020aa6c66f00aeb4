import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DepotError } from '../../../daemon/errors.js';
import { MAX_RECORD_BYTES, RecordDir } from '../../../daemon/store/record-dir.js';
import { tempDir } from '../../temp-dir.js';

const parse = (v: unknown): { n: number } => {
  if (typeof v !== 'object' || v === null || typeof (v as { n?: unknown }).n !== 'number')
    throw new Error('bad record');
  return v as { n: number };
};

test('records round-trip, list sorted, and delete', async (t) => {
  const dir = join(await tempDir(t), 'hosts');
  const records = new RecordDir(dir, parse);
  await records.start();
  await records.put('b8:27:eb:00:00:01', { n: 1 });
  await records.put('10.0.0.2', { n: 2 });
  assert.deepEqual(await records.ids(), ['10.0.0.2', 'b8:27:eb:00:00:01']);
  assert.deepEqual(await records.get('10.0.0.2'), { n: 2 });
  assert.equal((await stat(join(dir, '10.0.0.2.json'))).mode & 0o777, 0o600);
  await records.delete('10.0.0.2');
  assert.equal(await records.get('10.0.0.2'), undefined);
});

test('hostile ids cannot escape the directory', async (t) => {
  const root = await tempDir(t);
  const records = new RecordDir(join(root, 'hosts'), parse);
  for (const id of ['../state', '/etc/passwd', 'a/b', '..', '', '.hidden', 'x'.repeat(200), 'a\u0000b']) {
    await assert.rejects(
      records.put(id, { n: 1 }),
      (e: unknown) => e instanceof DepotError && e.code === 'BAD_INPUT',
    );
  }
  assert.deepEqual(await readdir(root), []);
});

test('a record that fails its schema is reported as corrupt with its path', async (t) => {
  const dir = join(await tempDir(t), 'hosts');
  const { writeFile, mkdir } = await import('node:fs/promises');
  await mkdir(dir);
  await writeFile(join(dir, 'h1.json'), '{"n":"not a number"}');
  const records = new RecordDir(dir, parse);
  await assert.rejects(
    records.get('h1'),
    (e: unknown) => e instanceof DepotError && e.message.includes('h1.json'),
  );
});

test('ids that look like temp files are refused, and live writers keep their temp files', async (t) => {
  const dir = join(await tempDir(t), 'hosts');
  const records = new RecordDir(dir, parse);
  await assert.rejects(records.put('web.tmp-01', { n: 1 }), (e: unknown) => e instanceof DepotError);
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  // One temp file of a writer that is still running (this process), one of a dead process.
  await writeFile(join(dir, `h1.json.tmp-${process.pid}-abcd`), 'in flight');
  await writeFile(join(dir, 'h2.json.tmp-999999999-abcd'), 'left behind');
  await records.start();
  assert.deepEqual((await readdir(dir)).sort(), [`h1.json.tmp-${process.pid}-abcd`]);
});

test('a compressed directory stores gzip files a fraction of the JSON size and round-trips', async (t) => {
  const dir = join(await tempDir(t), 'hosts');
  const records = new RecordDir(dir, (v) => v as { n: number; names: string[] }, 0o600, { compressed: true });
  await records.start();
  const big = { n: 1, names: Array.from({ length: 2000 }, (_, i) => `libexample-${i % 300}-dev`) };
  await records.put('h1', big);
  assert.deepEqual(await readdir(dir), ['h1.json.gz']);
  const { size } = await stat(join(dir, 'h1.json.gz'));
  assert.ok(size * 4 < JSON.stringify(big).length, `compressed to ${size} bytes`);
  assert.equal((await stat(join(dir, 'h1.json.gz'))).mode & 0o777, 0o600);
  assert.deepEqual(await records.get('h1'), big);
  assert.deepEqual(await records.ids(), ['h1']);
  await records.delete('h1');
  assert.equal(await records.get('h1'), undefined);
  assert.deepEqual(await readdir(dir), []);
});

test('a compressed directory reads plain files of older versions and migrates them, keeping newer puts', async (t) => {
  const dir = join(await tempDir(t), 'hosts');
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir);
  await writeFile(join(dir, 'old1.json'), '{"n":1}\n');
  await writeFile(join(dir, 'old2.json'), '{"n":2}\n');
  await writeFile(join(dir, 'bad.json'), '{"n":"x"}');
  // A crash between a put's compressed write and its removal of the plain file: the newer wins.
  await writeFile(join(dir, 'both.json'), '{"n":3}\n');
  const records = new RecordDir(dir, parse, 0o600, { compressed: true });
  await records.start();
  await records.put('both', { n: 4 });
  await writeFile(join(dir, 'both.json'), '{"n":3}\n');
  assert.deepEqual(await records.ids(), ['bad', 'both', 'old1', 'old2']);
  assert.deepEqual(await records.get('old1'), { n: 1 }, 'an old plain file still reads');
  assert.deepEqual(await records.get('both'), { n: 4 });
  // A put during the migration is never overwritten by the older plain copy.
  const [result] = await Promise.all([records.migrate(), records.put('old2', { n: 22 })]);
  assert.deepEqual(result.unreadable, ['bad']);
  assert.deepEqual((await readdir(dir)).sort(), ['bad.json', 'both.json.gz', 'old1.json.gz', 'old2.json.gz']);
  assert.deepEqual(await records.get('old1'), { n: 1 });
  assert.deepEqual(await records.get('old2'), { n: 22 });
  assert.deepEqual(await records.get('both'), { n: 4 });
  await assert.rejects(
    records.get('bad'),
    (e: unknown) => e instanceof DepotError && e.message.includes('bad.json'),
  );
  assert.deepEqual(
    await records.migrate(),
    { migrated: 0, unreadable: ['bad'] },
    'a second run changes nothing',
  );
});

test('a damaged compressed record is reported as corrupt with its path', async (t) => {
  const dir = join(await tempDir(t), 'hosts');
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir);
  await writeFile(join(dir, 'h1.json.gz'), 'not gzip');
  const records = new RecordDir(dir, parse, 0o600, { compressed: true });
  await assert.rejects(
    records.get('h1'),
    (e: unknown) => e instanceof DepotError && e.code === 'STORE_CORRUPT' && e.message.includes('h1.json.gz'),
  );
});

test('a gzip bomb in the directory costs at most the record cap; a damaged compressed copy never costs the plain one', async (t) => {
  const dir = join(await tempDir(t), 'hosts');
  const { mkdir, readFile, writeFile } = await import('node:fs/promises');
  const { gzipSync } = await import('node:zlib');
  await mkdir(dir);
  // 80 MiB of one byte: about 80 KB compressed.
  await writeFile(
    join(dir, 'bomb.json.gz'),
    gzipSync(Buffer.alloc(MAX_RECORD_BYTES + 16 * 1024 * 1024, 0x20)),
  );
  const records = new RecordDir(dir, parse, 0o600, { compressed: true });
  await assert.rejects(records.get('bomb'), (e: unknown) => {
    assert.ok(e instanceof DepotError && e.code === 'STORE_CORRUPT');
    assert.match(e.message, /bomb\.json\.gz: not a readable gzip file \(it expands past 64 MiB/);
    return true;
  });
  // Both forms, the compressed one truncated (damage): the migration keeps the plain file.
  await records.put('h1', { n: 1 });
  const gz = await readFile(join(dir, 'h1.json.gz'));
  await writeFile(join(dir, 'h1.json.gz'), gz.subarray(0, gz.length - 6));
  await writeFile(join(dir, 'h1.json'), '{"n":1}\n');
  const result = await records.migrate();
  assert.deepEqual(result.unreadable, ['h1']);
  assert.equal(await readFile(join(dir, 'h1.json'), 'utf8'), '{"n":1}\n');
  await assert.rejects(records.get('h1'), { code: 'STORE_CORRUPT' });
});
