/**
 * Capped decompression against bombs made in the test: a few MiB of zeros compress to a few KB.
 * Each bomb must be refused with the file and the cap named, and the decompressor must have been
 * stopped at the cap (output produced <= cap + one step), not run to the end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import {
  compressionOf,
  decompress,
  decompressChunks,
  forEachZipEntry,
  OutputCapError,
} from '../../daemon/decompress.js';

const MiB = 1024 * 1024;
const zeros = (n: number) => Buffer.alloc(n);
const hasXz = spawnSync('xz', ['--version']).status === 0;
const xz = (data: Buffer): Buffer =>
  spawnSync('xz', ['-z', '-c', '-0'], { input: data, maxBuffer: 1 << 30 }).stdout;

/** Run `fn`, expecting an OutputCapError; returns it. */
const capError = async (fn: () => unknown): Promise<OutputCapError> => {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof OutputCapError, `expected an OutputCapError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the decompression to be refused');
};

describe('capped decompression', () => {
  it('names the compression from the file name', () => {
    assert.equal(compressionOf('dists/x/Packages.gz'), 'gzip');
    assert.equal(compressionOf('dists/x/Packages.xz'), 'xz');
    assert.equal(compressionOf('dists/x/Packages.bz2'), 'unsupported');
    assert.equal(compressionOf('dists/x/Packages'), undefined);
  });

  it('gunzips within the cap', async () => {
    const text = 'Package: curl\nVersion: 7.88.1-10+deb12u8\n\n'.repeat(1000);
    const out = await decompress(gzipSync(text), 'gzip', { maxBytes: MiB, what: 'Packages.gz' });
    assert.equal(out.toString(), text);
  });

  it('stops a gzip bomb at the cap and says which file and which setting', async () => {
    const bomb = gzipSync(zeros(64 * MiB));
    assert.ok(bomb.length < 100 * 1024, 'the bomb is small');
    let yielded = 0;
    const err = await capError(async () => {
      for await (const chunk of decompressChunks(bomb, 'gzip', {
        maxBytes: MiB,
        what: 'http://mirror/debian/dists/bookworm/main/binary-amd64/Packages.gz',
        setting: 'cache.maxIndexMB',
      }))
        yielded += chunk.length;
    });
    assert.match(
      err.message,
      /binary-amd64\/Packages\.gz: expands to more than 1 MiB \(cache\.maxIndexMB\); refused as a possible decompression bomb/,
    );
    assert.equal(err.code, 'BAD_INPUT');
    assert.ok(yielded <= MiB, 'nothing past the cap reaches the caller');
    // zlib hands out 16 KiB at a time and waits while nobody reads: it stopped right at the cap.
    assert.ok(err.produced <= MiB + 64 * 1024, `stopped at ${err.produced} bytes, not at 64 MiB`);
  });

  it('refuses a corrupt gzip with a clear error', async () => {
    const broken = gzipSync('hello world').subarray(0, 12);
    await assert.rejects(
      decompress(broken, 'gzip', { maxBytes: MiB, what: 'Packages.gz' }),
      /Packages\.gz: cannot gunzip/,
    );
  });

  it('unxzes within the cap and stops an xz bomb at the cap', {
    skip: !hasXz && 'xz not installed',
  }, async () => {
    const text = 'Package: openssl\n\n'.repeat(2000);
    assert.equal(
      (await decompress(xz(Buffer.from(text)), 'xz', { maxBytes: MiB, what: 'Packages.xz' })).toString(),
      text,
    );
    const bomb = xz(zeros(64 * MiB));
    assert.ok(bomb.length < 100 * 1024, 'the bomb is small');
    const err = await capError(() =>
      decompress(bomb, 'xz', { maxBytes: MiB, what: 'Packages.xz', setting: 'catalog.maxUnpackedMB' }),
    );
    assert.match(err.message, /Packages\.xz: expands to more than 1 MiB \(catalog\.maxUnpackedMB\)/);
    // xz writes into a pipe that nobody drains past the cap: it was killed there.
    assert.ok(err.produced <= MiB + 256 * 1024, `stopped at ${err.produced} bytes, not at 64 MiB`);
    await assert.rejects(
      decompress(Buffer.from('not xz at all'), 'xz', { maxBytes: MiB, what: 'Packages.xz' }),
      /Packages\.xz: cannot unxz/,
    );
  });

  describe('zip entries', () => {
    const caps = { what: 'OSV zip dump', maxEntryBytes: MiB, maxTotalBytes: 4 * MiB };
    const visitAll = (zip: Uint8Array, c = caps) => {
      const seen: [string, number][] = [];
      forEachZipEntry(
        zip,
        c,
        (name) => name.endsWith('.json'),
        (name, data) => seen.push([name, data.length]),
      );
      return seen;
    };

    it('hands each wanted entry over whole, skipping the others', () => {
      const zip = zipSync({
        'a.json': Buffer.from('{"a":1}'),
        'b.txt': Buffer.from('x'),
        'c.json': zeros(1000),
      });
      assert.deepEqual(visitAll(zip), [
        ['a.json', 7],
        ['c.json', 1000],
      ]);
    });

    it('stops an entry that inflates past the entry cap, whatever the zip declares', async () => {
      const zip = zipSync({ 'bomb.json': zeros(64 * MiB) }, { level: 9 });
      assert.ok(zip.length < 200 * 1024, 'the bomb is small');
      // Lie about the size in the local header: the cap counts what actually comes out.
      const view = new DataView(zip.buffer, zip.byteOffset);
      view.setUint32(22, 10, true);
      const err = await capError(() => visitAll(zip));
      assert.match(err.message, /OSV zip dump bomb\.json: expands to more than 1 MiB/);
      // Fed 4 KiB at a time, deflate cannot make more than ~4 MiB in one step.
      assert.ok(err.produced <= MiB + 4.2 * MiB, `stopped at ${err.produced} bytes, not at 64 MiB`);
    });

    it('stops many small entries past the total cap', async () => {
      const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`r${i}.json`, zeros(MiB / 2)]));
      const err = await capError(() =>
        visitAll(zipSync(files), { ...caps, setting: 'catalog.maxUnpackedMB' } as typeof caps),
      );
      assert.match(err.message, /^OSV zip dump: expands to more than 4 MiB \(catalog\.maxUnpackedMB\)/);
    });

    it('refuses a truncated zip and something that is not a zip', () => {
      const zip = zipSync(
        { 'a.json': Buffer.from(JSON.stringify({ text: 'y'.repeat(5000) })) },
        { level: 0 },
      );
      assert.throws(() => visitAll(zip.subarray(0, 2000)), /OSV zip dump: (not a readable zip|.*truncated)/);
      assert.throws(() => visitAll(new Uint8Array(40)), /OSV zip dump: not a readable zip/);
    });
  });
});
