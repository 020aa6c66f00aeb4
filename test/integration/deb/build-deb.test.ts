/**
 * scripts/build-deb makes a package with the app, its own Node.js 24 and the unit, whose unpacked
 * daemon runs on that Node and answers /healthz. Installing it on a Debian root under systemd
 * (upgrade, watchdog, purge) is `npm run test:systemd`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const arch = process.arch === 'x64' ? 'amd64' : process.arch;
const skip =
  spawnSync('dpkg-deb', ['--version']).status !== 0
    ? 'dpkg-deb not installed'
    : !['amd64', 'arm64'].includes(arch)
      ? `64-bit only: no package for ${process.arch}`
      : false;

test('build-deb: the package holds the app, Node 24 and the unit, and its daemon answers /healthz', {
  skip,
  timeout: 300_000,
}, async (t) => {
  const dir = await tempDir(t);
  const built = spawnSync('scripts/build-deb', ['--fast', '--version', '0.0.0~smoke1', '--out', dir], {
    cwd: repo,
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stderr);
  const deb = built.stdout.trim();
  assert.equal(deb, join(dir, `patch-depot_0.0.0~smoke1_${arch}.deb`));

  const control = spawnSync('dpkg-deb', ['--field', deb], { encoding: 'utf8' }).stdout;
  assert.match(control, /^Package: patch-depot$/m);
  assert.match(control, /^Version: 0\.0\.0~smoke1$/m);
  assert.match(control, new RegExp(`^Architecture: ${arch}$`, 'm'));
  assert.match(control, /^Depends: .*\bsystemd\b/m);
  const files = spawnSync('dpkg-deb', ['--contents', deb], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  for (const path of [
    './opt/patch-depot/node/bin/node',
    './opt/patch-depot/dist/daemon/main.js',
    './opt/patch-depot/node_modules/hono/package.json',
    './usr/lib/systemd/system/patch-depot.service',
    './usr/bin/patch-depot',
    './etc/default/patch-depot',
  ]) {
    assert.ok(files.includes(` ${path}\n`), `${path} in the package`);
  }
  assert.ok(!files.includes('/node_modules/typescript/'), 'no dev dependencies');
  const meta = join(dir, 'control');
  assert.equal(spawnSync('dpkg-deb', ['--control', deb, meta]).status, 0);
  for (const script of ['postinst', 'prerm', 'postrm']) {
    assert.equal(spawnSync('sh', ['-n', join(meta, script)]).status, 0, `${script} parses`);
  }

  const root = join(dir, 'root');
  assert.equal(spawnSync('dpkg-deb', ['-x', deb, root]).status, 0);
  const node = join(root, 'opt/patch-depot/node/bin/node');
  assert.match(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout, /^v24\./);
  const daemon = await spawnDaemon(
    join(dir, 'data'),
    [],
    30_000,
    {},
    {
      node,
      main: join(root, 'opt/patch-depot/dist/daemon/main.js'),
    },
  );
  onTeardown(t, () => daemon.stop());
  const res = await fetch(`${daemon.url}healthz`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { status: string; version: string };
  assert.equal(body.version, '0.0.0~smoke1');
});
