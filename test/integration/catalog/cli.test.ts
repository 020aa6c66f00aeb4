/** `patch-depot catalog`: the air-gapped workflow end to end (keygen, bundle, import, status). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../temp-dir.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fx = (p: string) => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'daemon/main.ts', 'catalog', ...args], {
    cwd: root,
    encoding: 'utf8',
  });

test('keygen, bundle at HQ; import and status at the site; rollback refused', async (t) => {
  const dir = await tempDir(t);
  const key = join(dir, 'hq.key');
  const gen = run('keygen', '--out', key);
  assert.equal(gen.status, 0, gen.stderr);
  const pub = gen.stdout.trim();
  assert.match(pub, /^[A-Za-z0-9+/]{43}=$/);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.equal(run('keygen', '--out', key).status, 1, 'never overwrites a key');

  const bundle = (seq: string) =>
    run(
      'bundle',
      '--key',
      key,
      '--out',
      join(dir, `b${seq}.zip`),
      '--sequence',
      seq,
      '--feed',
      `debian=${fx('catalog/debian-tracker.json')}`,
      '--feed',
      `osv-debian=${fx('catalog/osv/DSA-5880-1.json')}`,
    );
  assert.equal(bundle('2').status, 0);
  assert.equal(bundle('1').status, 0);

  const config = join(dir, 'config.json');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'state.json'), '{}');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'data'), catalog: { trustedKeys: [pub] } }));
  const imp = run('import', '--bundle', join(dir, 'b2.zip'), '--config', config);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(
    imp.stdout,
    /debian: 8 CVEs, 14 package fixes in 3 releases \(bundle 2 signed by [0-9a-f]{16}\)/,
  );
  const status = run('status', '--config', config);
  assert.match(status.stdout, /osv-debian\s+osv\s+\S+ \(bundle\) 1 advisories from 1 OSV records/);
  const old = run('import', '--bundle', join(dir, 'b1.zip'), '--config', config);
  assert.equal(old.status, 1);
  assert.match(old.stderr, /bundle sequence 1 is older than the imported 2; refusing a rollback/);
  const replay = run('import', '--bundle', join(dir, 'b2.zip'), '--config', config);
  assert.equal(replay.status, 1, 'the same bundle twice is a replay');
  assert.match(replay.stderr, /bundle sequence 2 was already imported; refusing a replay/);
  assert.equal(run('frobnicate').status, 2);
});
