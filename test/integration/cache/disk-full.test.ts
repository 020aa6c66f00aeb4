/**
 * A full disk: the cache lives on a tiny tmpfs. A download that does not fit fails with a message
 * a technician can act on, leaves no partial file and no index entry; the cache keeps working.
 * Needs root to mount a tmpfs; skips clearly otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const mountTmpfs = (dir: string, size: string): string | undefined => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]}); run as root`;
  }
};

test('disk full: clear error, no corruption, cache still serves', { timeout: 120_000 }, async (t) => {
  const mnt = await mkdtemp(join(tmpdir(), 'pd-cache-full-'));
  const why = mountTmpfs(mnt, '3m');
  if (why) {
    await rm(mnt, { recursive: true, force: true });
    t.skip(why);
    return;
  }
  const unmount = async (): Promise<void> => {
    execFileSync('umount', ['-l', mnt]);
    await rm(mnt, { recursive: true, force: true }).catch(() => {});
  };
  const root = join(mnt, 'cache');
  // The quota believes there is room; the disk does not (another process filled it, say).
  let s: Awaited<ReturnType<typeof cacheStack>>;
  try {
    s = await cacheStack(t, { root, quotaBytes: 1 << 30, minFreeBytes: 0 });
  } catch (err) {
    await unmount();
    throw err;
  }
  // Registered after the stack's own teardown, so the cache has stopped writing before the
  // volume goes; and it never throws, so a failure here cannot skip the servers' shutdown.
  t.after(unmount);
  const small = randomBytes(200_000);
  const smallUrl = s.origin.put('/pool/main/s/small_1_all.deb', { body: small });
  assert.equal(sha((await viaProxy(s.proxyUrl, smallUrl)).body), sha(small));

  const big = randomBytes(8 * 1024 * 1024);
  const bigUrl = s.origin.put('/pool/main/b/big_1_all.deb', { body: big });
  const r = await viaProxy(s.proxyUrl, bigUrl);
  // Content-Length was known: the free-space check refuses before writing anything.
  assert.equal(r.status, 503);
  assert.match(r.body.toString(), /not enough disk space|disk is full/);
  assert.equal(s.cache.index.get(bigUrl), undefined);
  assert.deepEqual(await readdir(join(root, 'tmp')), []);

  // Without a Content-Length (chunked), the free-space check stops it as the disk fills (or ENOSPC
  // does, when something else took the space): cut off, cleaned up.
  const unknownLength = s.origin.put('/pool/main/c/chunked_1_all.deb', { body: big });
  s.origin.chunked.add('/pool/main/c/chunked_1_all.deb');
  const r2 = await viaProxy(s.proxyUrl, unknownLength);
  assert.equal(r2.truncated, true, 'the client sees a cut connection, never a complete wrong file');
  assert.equal(s.cache.index.get(unknownLength), undefined);
  assert.deepEqual(await readdir(join(root, 'tmp')), [], 'partial file removed, space returned');
  assert.ok(
    s.log.lines.some((l) =>
      /(not enough disk space for|cache disk is full while downloading) .*free space on the cache volume/.test(
        JSON.stringify(l),
      ),
    ),
    'the log says what happened and what to do',
  );

  // The cache still works and the earlier file is intact.
  assert.equal(sha((await viaProxy(s.proxyUrl, smallUrl)).body), sha(small));
  const after = randomBytes(100_000);
  const afterUrl = s.origin.put('/pool/main/a/after_1_all.deb', { body: after });
  assert.equal(sha((await viaProxy(s.proxyUrl, afterUrl)).body), sha(after));
});
