/**
 * `npm run bench tftp` in miniature (a 200 kB file, 50 kB under loss, one run per case): the
 * benchmark builds its lab, runs both servers, and prints a BENCH line in which every fetch was
 * verified by sha256. Times are not asserted; speed lives in bench/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tftpBenchUnavailableReason } from '../../bench/tftp/requirements.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const skip = tftpBenchUnavailableReason();

interface BenchLine {
  bench: string;
  skipped?: string;
  runs: number;
  allVerified: boolean;
  summary: Array<{ case: string; ratio: number }>;
  results: Array<{ server: string; case: string; verified: number; medianMs: number }>;
  peakRssKb: Record<string, { process: number; tree: number }>;
}

describe('bench/tftp smoke', { skip }, () => {
  it('runs every case against both servers and verifies every fetch', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/tftp/run.ts'], {
      cwd: repo,
      env: { ...process.env, BENCH_TFTP_BYTES: '200000', BENCH_TFTP_LOSSY_BYTES: '50000', BENCH_RUNS: '1' },
      maxBuffer: 16 << 20,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
    assert.ok(line, `no BENCH line in:\n${stdout}`);
    const bench = JSON.parse(line.slice('BENCH '.length)) as BenchLine;
    assert.equal(bench.bench, 'tftp');
    assert.equal(bench.skipped, undefined);
    assert.equal(bench.allVerified, true);
    assert.equal(bench.summary.length, 4);
    assert.equal(bench.results.length, 8);
    for (const r of bench.results) {
      assert.equal(r.verified, bench.runs, `${r.server}, ${r.case}: every fetch matches its sha256`);
      assert.ok(r.medianMs > 0);
    }
    for (const s of ['tftpd-hpa', 'patch-depot'])
      assert.ok(bench.peakRssKb[s]!.process > 0, `${s} RSS sampled`);
    for (const s of bench.summary) assert.ok(Number.isFinite(s.ratio), `${s.case}: a ratio`);
  });
});

if (skip) console.log(`# bench/tftp smoke test skipped: ${skip}`);
