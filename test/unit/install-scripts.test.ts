/**
 * npm 11 warns in the quick start ("install scripts not yet covered by allowScripts") about every
 * dependency whose install script package.json has not decided on, which reads like something is
 * wrong. Each is decided: esbuild's postinstall (it checks its binary) runs; ssh2's and
 * cpu-features' native builds do not, as in the .deb (`scripts/build-deb`: --ignore-scripts), so
 * development and tests run the SSH code the appliance ships and a fresh Debian needs no compiler.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { hasInstallScript?: boolean; optional?: boolean }>;
};

test('every dependency with an install script is allowed or denied in package.json', () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path && p.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(withScripts.length > 0);
  const policy = pkg.allowScripts ?? {};
  assert.deepEqual(
    withScripts.filter((name) => typeof policy[name] !== 'boolean'),
    [],
    'add them to allowScripts: true to run, false to skip',
  );
});

test('the native builds the .deb skips are skipped here too', () => {
  assert.match(read('scripts/build-deb'), /npm ci [^\n]*--ignore-scripts/);
  assert.equal(pkg.allowScripts?.ssh2, false);
  assert.equal(pkg.allowScripts?.['cpu-features'], false);
});
