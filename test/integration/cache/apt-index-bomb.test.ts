/**
 * A cached apt index that is a decompression bomb (a Packages.gz or Packages.xz of a few KB that
 * expands to gigabytes) is refused at `cache.maxIndexMB`, with the file and the setting named,
 * and dropped from the cache: the next start does not expand it again.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ExpectedHashes, indexLines } from '../../../daemon/cache/apt-index.js';
import { OutputCapError } from '../../../daemon/decompress.js';
import { cacheHarness, ORIGIN, readAll } from '../../fakes/cache-harness.js';
import { FakeUpstream } from '../../fakes/cache-upstream.js';
import { memoryLogger } from '../../fakes/log.js';

const MiB = 1024 * 1024;
const hasXz = spawnSync('xz', ['--version']).status === 0;
const bombs = {
  gz: () => gzipSync(Buffer.alloc(32 * MiB)),
  xz: () => spawnSync('xz', ['-z', '-c', '-0'], { input: Buffer.alloc(32 * MiB), maxBuffer: 1 << 30 }).stdout,
};
/** `n` MiB of zeros or of blank lines, compressed by the tools: the test never holds them inflated. */
const bombOf = (ext: 'gz' | 'xz', mib: number, fill: 'zeros' | 'newlines'): Buffer => {
  const source = fill === 'zeros' ? 'cat /dev/zero' : "yes ''";
  const tool = ext === 'gz' ? 'gzip -1 -c' : 'xz -z -c -0';
  const made = spawnSync('sh', ['-c', `${source} | head -c ${mib * MiB} | ${tool}`], { maxBuffer: 1 << 30 });
  assert.equal(made.status, 0, made.stderr.toString());
  return made.stdout;
};

/** The most the process's Buffer memory grew above where it started, while `work` ran. */
const peakBufferGrowth = async (work: () => Promise<unknown>): Promise<number> => {
  const start = process.memoryUsage().arrayBuffers;
  let peak = start;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 1);
  try {
    await work().catch(() => undefined);
  } finally {
    clearInterval(sample);
  }
  return Math.max(peak, process.memoryUsage().arrayBuffers) - start;
};

const DROPPED = 'cached apt index is unreadable; dropped from the cache';

for (const ext of ['gz', 'xz'] as const) {
  describe(`a Packages.${ext} bomb`, { skip: ext === 'xz' && !hasXz && 'xz not installed' }, () => {
    const url = `${ORIGIN}dists/bookworm/main/binary-amd64/Packages.${ext}`;

    it('is refused at the cap, the decompressor stopped there', async () => {
      const bomb = bombs[ext]();
      const drain = async () => {
        for await (const _ of indexLines(new URL(url), bomb, MiB) ?? []);
      };
      await assert.rejects(drain(), (err: unknown) => {
        assert.ok(err instanceof OutputCapError);
        assert.equal(
          err.message,
          `${url}: expands to more than 1 MiB (cache.maxIndexMB); refused as a possible decompression bomb`,
        );
        assert.ok(err.produced <= MiB + 256 * 1024, `stopped at ${err.produced} bytes, not at 32 MiB`);
        return true;
      });
    });

    it('is read as a stream: the inflated text is never held whole', async () => {
      // Zeros (no line breaks at all) and blank lines: 512 MiB either way, refused at 256 MiB.
      // Held whole, the Buffers would grow by 256 MiB; read as a stream, by what the GC has not
      // yet collected of the chunks.
      for (const fill of ['zeros', 'newlines'] as const) {
        const bomb = bombOf(ext, 512, fill);
        const hashes = new ExpectedHashes(256 * MiB);
        let refused: unknown;
        const grew = await peakBufferGrowth(() =>
          hashes.learn(new URL(url), bomb).catch((err: unknown) => {
            refused = err;
          }),
        );
        assert.ok(refused instanceof OutputCapError, `refused: ${String(refused)}`);
        assert.ok(grew < 128 * MiB, `${fill}: Buffers grew by ${Math.round(grew / MiB)} MiB, not bounded`);
      }
    });

    it('is dropped from the cache once, and not expanded again at the next start', async (t) => {
      const root = await mkdtemp(join(tmpdir(), 'pd-cache-bomb-'));
      const upstream = new FakeUpstream();
      upstream.put(url, { body: bombs[ext]() });
      for (const n of ['a', 'b', 'c']) upstream.put(`${ORIGIN}pool/main/${n}.deb`, { body: Buffer.from(n) });
      // A new download waits for index learning to finish: fetching one is how the test waits.
      const learnt = (cache: Awaited<ReturnType<typeof cacheHarness>>['cache'], n: string) =>
        readAll(cache, `${ORIGIN}pool/main/${n}.deb`);

      // An appliance with a generous cap cached it (32 MiB of zeros list no packages).
      {
        const { cache } = await cacheHarness(t, { root, upstream, maxIndexBytes: 64 * MiB });
        await readAll(cache, url);
        await learnt(cache, 'a');
        assert.ok(cache.index.get(url), 'cached');
        await cache.stop();
      }
      // With a 1 MiB cap the start-up relearn refuses it, says why, and drops it.
      const log = memoryLogger();
      {
        const { cache } = await cacheHarness(t, { root, upstream, maxIndexBytes: MiB, log });
        await learnt(cache, 'b');
        const warned = log.lines.filter((l) => l.msg === DROPPED);
        assert.equal(warned.length, 1);
        assert.match(JSON.stringify(warned[0]?.err), /expands to more than 1 MiB \(cache\.maxIndexMB\)/);
        assert.equal(cache.index.get(url), undefined, 'no longer in the cache');
        await cache.stop();
      }
      // The next start has nothing to expand.
      const quiet = memoryLogger();
      const { cache } = await cacheHarness(t, { root, upstream, maxIndexBytes: MiB, log: quiet });
      await learnt(cache, 'c');
      assert.equal(quiet.lines.filter((l) => l.msg === DROPPED).length, 0);
      await cache.stop();
      await rm(root, { recursive: true, force: true });
    });
  });
}
