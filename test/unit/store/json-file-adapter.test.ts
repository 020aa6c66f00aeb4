/** A document read only as a regular file: a symlink, a named pipe or a file far too large is damage, named. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsonFileAdapter } from '../../../daemon/store/json-file-adapter.js';
import { tempDir } from '../../temp-dir.js';

test('with regular, a symlink, a named pipe or a file past maxBytes is STORE_CORRUPT naming it; a plain file reads', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'doc.json');
  const doc = new JsonFileAdapter<{ a: number }>(path, { regular: true, maxBytes: 1024 });
  assert.equal(await doc.read(), null, 'no file yet');
  await doc.write({ a: 1 });
  assert.deepEqual(await doc.read(), { a: 1 });

  const outside = join(dir, 'outside.json');
  await writeFile(outside, '{"a":2}');
  await rm(path);
  await symlink(outside, path);
  await assert.rejects(
    doc.read(),
    (e: Error & { code?: string }) =>
      e.code === 'STORE_CORRUPT' && e.message.startsWith(`${path}: a symlink`),
  );
  // Without `regular` the link is followed, as before.
  assert.deepEqual(await new JsonFileAdapter<{ a: number }>(path).read(), { a: 2 });

  await rm(path);
  execFileSync('mkfifo', [path]);
  await assert.rejects(doc.read(), { code: 'STORE_CORRUPT' });

  await rm(path);
  await writeFile(path, '');
  await truncate(path, 4096);
  await assert.rejects(doc.read(), /4096 bytes, far more than it ever holds/);
});
