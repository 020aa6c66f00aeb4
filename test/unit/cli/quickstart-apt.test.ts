/**
 * The quick start as root installs the Debian packages of `.ci/apt-packages.txt`, but only those
 * not installed: it ran `apt-get update` and `apt-get install` of the whole list at every start,
 * which is slow and fails without the mirror even on a machine that has everything.
 *
 * The real script runs in a copy of its folder with a list of our choosing; `id` says root and
 * `apt-get` only writes down how it was called (both stand-ins on the PATH); the real `dpkg-query`
 * says what is installed. A stand-in `scripts/ensure-node` ends the run right after the apt step.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../temp-dir.js';

const quickstart = fileURLToPath(new URL('../../../scripts/quickstart', import.meta.url));
const dpkgMissing = spawnSync('dpkg-query', ['-W', 'bash']).status !== 0 && 'no dpkg-query here (not Debian)';

const script = (path: string, body: string) => {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
};

/** Runs the quick start with `packages` as its list; what apt-get was asked, one call a line. */
const runWith = async (t: TestContext, packages: string): Promise<{ apt: string[]; stdout: string }> => {
  const dir = await tempDir(t);
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, '.ci'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(quickstart, join(dir, 'scripts/quickstart'));
  writeFileSync(join(dir, '.ci/apt-packages.txt'), packages);
  script(join(dir, 'scripts/ensure-node'), 'echo "ensure-node reached" >&2; exit 7');
  script(join(dir, 'bin/id'), 'echo 0');
  script(join(dir, 'bin/apt-get'), `echo "$*" >> '${join(dir, 'apt.log')}'`);
  const run = spawnSync('bash', [join(dir, 'scripts/quickstart')], {
    encoding: 'utf8',
    env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir },
  });
  assert.equal(run.status, 7, run.stderr);
  assert.match(run.stderr, /ensure-node reached/);
  const log = join(dir, 'apt.log');
  return { apt: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [], stdout: run.stdout };
};

test('a machine with every package installed runs no apt-get at all', { skip: dpkgMissing }, async (t) => {
  const { apt } = await runWith(t, '# a comment line\nbash        # the shell\ncoreutils   # ls, cp\n');
  assert.deepEqual(apt, []);
});

test('only the packages not installed are installed, after an update', { skip: dpkgMissing }, async (t) => {
  const { apt, stdout } = await runWith(t, 'bash   # installed\nxu-no-such-package-1 # not installed\n');
  assert.deepEqual(apt, ['update -qq', 'install -y -qq --no-install-recommends xu-no-such-package-1']);
  assert.match(stdout, /^quickstart: installing xu-no-such-package-1$/m);
});
