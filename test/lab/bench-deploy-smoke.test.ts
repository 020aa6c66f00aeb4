/**
 * `npm run bench deploy` in miniature: 2 managed hosts, 64 KiB packages. Patch Depot deploys the
 * fix set through its cache; Ansible too when it is installed (the benchmark skips it otherwise and
 * says how to install it). Every host must end with the fix set by its own dpkg, and Patch Depot's
 * WAN bytes must stay near one copy of the packages for the two hosts. Times are not asserted;
 * speed lives in bench/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ansibleUnavailableReason, deployBenchUnavailableReason } from '../../bench/deploy/requirements.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const skip = deployBenchUnavailableReason();

interface ToolLine {
  wallMs: number;
  wan: { down: number; up: number };
  patched: number;
  wrong: string[];
  reported: Record<string, number>;
}

interface BenchLine {
  bench: string;
  skipped?: string;
  fixSetBytes: number;
  allPatched: boolean;
  patchDepot: ToolLine & { peakRssKb: { process: number } };
  ansible?: ToolLine;
  ansibleSkipped?: string;
  wanTimesFixSet: number;
}

describe('bench/deploy smoke', { skip, timeout: 600_000 }, () => {
  it('deploys the fix set to 2 hosts, each package across the WAN once for Patch Depot', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/deploy/run.ts'], {
      cwd: repo,
      env: { ...process.env, BENCH_DEPLOY_HOSTS: '2', BENCH_DEPLOY_PAYLOAD_BYTES: '65536' },
      maxBuffer: 16 << 20,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
    assert.ok(line, `no BENCH line in:\n${stdout}`);
    const bench = JSON.parse(line.slice('BENCH '.length)) as BenchLine;
    assert.equal(bench.bench, 'deploy');
    assert.equal(bench.skipped, undefined);
    assert.equal(bench.allPatched, true, stdout);
    const pd = bench.patchDepot;
    assert.equal(pd.patched, 2);
    assert.deepEqual(pd.reported, { verified: 2 });
    assert.ok(pd.wan.down >= bench.fixSetBytes, 'the packages crossed the WAN');
    assert.ok(bench.wanTimesFixSet < 1.5, `2 hosts, one copy across the WAN: ${bench.wanTimesFixSet}x`);
    assert.ok(pd.peakRssKb.process > 0, "the daemon's RSS was sampled");
    assert.match(stdout, /goal: Patch Depot's WAN bytes = 1\.0x .* -> (met|NOT met)/);
    if (ansibleUnavailableReason()) {
      assert.match(bench.ansibleSkipped ?? '', /apt-get install -y ansible|python3-apt/);
      assert.match(stdout, /wall time <= Ansible's -> not measured/);
      return;
    }
    const an = bench.ansible!;
    assert.equal(an.patched, 2, an.wrong.join('; '));
    assert.deepEqual(an.reported, { changed: 2 });
    assert.ok(an.wan.down >= 2 * bench.fixSetBytes, 'without a cache each host fetched its own copy');
    assert.match(stdout, /goal: Patch Depot's wall time <= Ansible's -> (met|NOT met) \(/);
  });
});

if (skip) console.log(`# bench/deploy smoke test skipped: ${skip}`);
