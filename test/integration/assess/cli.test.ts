/** The offline `patch-depot assess` command, run as a user would run it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fx = (p: string) => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'daemon/main.ts', 'assess', ...args], {
    cwd: root,
    encoding: 'utf8',
  });

describe('patch-depot assess', () => {
  const base = [
    '--inventory',
    fx('assess/dpkg-query-2col.txt'),
    '--os-release',
    fx('assess/os-release-debian12'),
  ];

  it('prints one JSON record per missing fix', () => {
    const r = run(
      ...base,
      '--feed',
      fx('catalog/debian-tracker.json'),
      '--feed',
      fx('catalog/osv/DSA-5880-1.json'),
      '--json',
      '--host-id',
      'pc-9',
    );
    assert.equal(r.status, 0, r.stderr);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(records.map((x) => `${x.package} ${x.advisoryId}`).sort(), [
      'curl CVE-2025-0725',
      'expat CVE-2024-8176',
      'expat DSA-5880-1',
      'glibc CVE-2025-4802',
    ]);
    assert.ok(records.every((x) => x.host === 'pc-9' && x.release === 'debian:bookworm'));
  });

  it('prints a table and a summary for people', () => {
    const r = run(...base, '--feed', fx('catalog/debian-tracker.json'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^SEVERITY\s+PACKAGE\s+INSTALLED\s+FIXED/);
    assert.match(r.stdout, /high\s+expat\s+2\.5\.0-1\+deb12u1\s+2\.5\.0-1\+deb12u2\s+CVE-2024-8176/);
    assert.match(r.stderr, /3 missing fixes \(1 high, 2 medium\); 2 known vulnerabilities without a fix yet/);
  });

  it('says so when no feed covers the release (exit 1), and names bad input (exit 1/2)', () => {
    const uncovered = run(...base, '--feed', fx('catalog/osv/USN-7000-1.json'));
    assert.equal(uncovered.status, 1);
    assert.match(uncovered.stderr, /no feed entry covers debian:bookworm .* the feeds cover: ubuntu:22\.04/);
    const missing = run('--inventory', fx('assess/dpkg-query-2col.txt'));
    assert.equal(missing.status, 2);
    assert.match(
      missing.stderr,
      /^patch-depot assess: missing --os-release FILE: .*\npatch-depot assess: missing --feed FILE: /,
    );
    const bad = run(...base, '--feed', fx('assess/os-release-debian12'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /os-release-debian12: Debian security tracker: not valid JSON/);
  });
});
