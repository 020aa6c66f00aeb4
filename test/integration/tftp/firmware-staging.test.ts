/**
 * Firmware staging for real: a loopback vendor origin, the patch cache over undici, and the TFTP
 * root. A file whose bytes match its manifest entry is staged once (the origin is asked once even
 * when staged twice) and a TFTP client gets it; a file whose SHA-256 or size is wrong never
 * appears in the root, not even as a temp file, and the failure is recorded with the reason.
 * A hostile vendor URL (a redirect off the allowed upstream, more or fewer bytes than listed, a
 * body that never ends) is refused too, and an endless body is cut off near the listed size.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { systemClock } from '../../../daemon/lifecycle.js';
import type { FirmwareEntry } from '../../../daemon/tftp/firmware.js';
import { cacheSource } from '../../../daemon/tftp/firmware-staging.js';
import { TftpRoot } from '../../../daemon/tftp/tftp-root.js';
import { memoryLogger } from '../../fakes/log.js';
import { atftpGet } from '../../support/atftp.js';
import { cacheStack } from '../../support/cache-stack.js';
import { startHostileUpstream } from '../../support/hostile-upstream.js';
import { waitFor } from '../../support/wait-for.js';
import { tempDir } from '../../temp-dir.js';
import { sha256, tftpHarness } from './tftp-harness.js';

const entry = (
  over: Partial<FirmwareEntry> & Pick<FirmwareEntry, 'name' | 'url'>,
  body: Buffer,
): FirmwareEntry => ({
  vendor: 'Yealink',
  product: 'T46U',
  version: '108.86.0.20',
  sha256: sha256(body),
  size: body.length,
  feedId: 'vendor-fw',
  ...over,
});

const setup = async (t: TestContext, allow?: UpstreamAllowList) => {
  const stack = await cacheStack(t, allow ? { allow } : {});
  const dir = await tempDir(t);
  const root = join(dir, 'tftp');
  await mkdir(root);
  const files = new TftpRoot({
    root,
    dataDir: dir,
    maxSiteFileBytes: 1 << 20,
    clock: systemClock,
    log: memoryLogger(),
  });
  await files.start();
  return { stack, dir, root, files, source: cacheSource(stack.cache) };
};

test('a firmware file crosses the WAN once, is verified and served over TFTP', async (t) => {
  const { stack, root, files, source } = await setup(t);
  const body = randomBytes(300_000);
  const url = stack.origin.put('/fw/T46U-108.86.0.20.rom', { body });
  const fw = entry({ name: 'T46U-108.86.0.20.rom', url }, body);
  const signal = new AbortController().signal;
  assert.equal(await files.needs(fw), true);
  await files.stage(fw, source, signal);
  assert.equal(await files.needs(fw), false);
  assert.equal(sha256(await readFile(join(root, fw.name))), fw.sha256);
  // Staged again (the record lost, say): the cache answers, the vendor is not asked twice.
  await files.stage(fw, source, signal);
  assert.equal(stack.origin.count('/fw/T46U-108.86.0.20.rom'), 1);
  assert.equal((await files.list()).firmware[0]?.present, true);

  const h = await tftpHarness(t);
  await h.put(fw.name, await readFile(join(root, fw.name)));
  const out = join(h.dir, 'got.rom');
  await atftpGet({ server: '127.0.0.1', port: h.port, file: fw.name, out, options: { blksize: 1468 } });
  assert.equal(sha256(await readFile(out)), fw.sha256);
});

test('a manifest entry with the wrong SHA-256 or size never reaches the TFTP root', async (t) => {
  const { stack, root, files, source } = await setup(t);
  const body = randomBytes(100_000);
  const url = stack.origin.put('/fw/ap-7.1.bin', { body });
  const signal = new AbortController().signal;
  const wrongHash = entry({ name: 'ap-7.1.bin', url, sha256: sha256(randomBytes(8)) }, body);
  await assert.rejects(
    files.stage(wrongHash, source, signal),
    /failed verification|not the ones expected|SHA-256/,
  );
  const wrongSize = entry({ name: 'ap-7.1.bin', url, size: body.length - 1 }, body);
  await assert.rejects(files.stage(wrongSize, source, signal), /longer than the manifest|verification/);
  assert.deepEqual(await readdir(root), [], 'nothing in the root, not even a temp file');
  const listing = await files.list();
  assert.equal(listing.firmware.length, 0);
  assert.equal(listing.failures.length, 1, 'one failure per name: the newest reason');
  assert.match(listing.failures[0]!.error, /ap-7\.1\.bin|verification|SHA-256|longer/);
});

test('a hostile vendor URL is refused, and a body that never ends is cut off near the listed size', async (t) => {
  const up = await startHostileUpstream(t);
  const elsewhere = await startHostileUpstream(t);
  const { stack, root, files, source } = await setup(t, new UpstreamAllowList([`${up.base}/`]));
  const body = randomBytes(50_000);
  const cases = {
    'redirected.bin': up.route('/r', {
      mode: 'redirect',
      location: elsewhere.route('/fw.bin', { mode: 'file', body }),
    }),
    'longer.bin': up.route('/longer', { mode: 'file', body: Buffer.concat([body, randomBytes(10)]) }),
    'shorter.bin': up.route('/shorter', { mode: 'file', body: body.subarray(0, 40_000) }),
    'endless.bin': up.route('/endless', { mode: 'flood' }),
  };
  const signal = new AbortController().signal;
  for (const [name, url] of Object.entries(cases)) {
    await assert.rejects(files.stage(entry({ name, url }, body), source, signal), Error, name);
  }
  assert.equal(elsewhere.requests.length, 0, 'the redirect off the allowed upstream is not followed');
  // The manifest says 50 kB: the cache stops reading there, not at its quota (1 GiB here).
  assert.ok(up.bytesSent < 16 * 1024 * 1024, `${up.bytesSent} bytes read from the endless body`);
  assert.deepEqual(await readdir(root), [], 'nothing in the root, not even a temp file');
  await waitFor(
    async () => (await readdir(join(stack.root, 'tmp'))).length === 0,
    'no download left in tmp/',
  );
  assert.deepEqual((await files.list()).failures.map((f) => f.name).sort(), Object.keys(cases).sort());
});

test('a manifest naming a file put in the root by hand does not replace it; the listed bytes already there are taken as staged', async (t) => {
  const { stack, root, files, source } = await setup(t);
  const signal = new AbortController().signal;
  // The technician's own boot file, copied in by hand; a manifest lists the same name.
  const own = Buffer.from('the technician boot file');
  await writeFile(join(root, 'pxelinux.0'), own);
  const hostile = randomBytes(20_000);
  const fw = entry(
    { name: 'pxelinux.0', url: stack.origin.put('/fw/pxelinux.0', { body: hostile }) },
    hostile,
  );
  await assert.rejects(
    files.stage(fw, source, signal),
    /pxelinux\.0 is in the TFTP root .* not staged or uploaded here/,
  );
  assert.deepEqual(await readFile(join(root, 'pxelinux.0')), own, 'the hand-placed file is untouched');
  assert.equal(stack.origin.count('/fw/pxelinux.0'), 0, 'not even fetched');
  assert.match((await files.list()).failures[0]!.error, /put there by hand/);

  // The listed bytes already in the root without a record (a crash before the record was saved).
  const body = randomBytes(30_000);
  const ap = entry({ name: 'ap-7.2.bin', url: stack.origin.put('/fw/ap-7.2.bin', { body }) }, body);
  await writeFile(join(root, 'ap-7.2.bin'), body);
  await files.stage(ap, source, signal);
  assert.equal(files.staged('ap-7.2.bin')?.sha256, ap.sha256);
  // Staged firmware is replaced by its next version as before.
  const next = randomBytes(30_000);
  const apNext = entry(
    { name: 'ap-7.2.bin', version: '7.2.1', url: stack.origin.put('/fw/ap-7.2.1.bin', { body: next }) },
    next,
  );
  await files.stage(apNext, source, signal);
  assert.deepEqual(await readFile(join(root, 'ap-7.2.bin')), next);
});
