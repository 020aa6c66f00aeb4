/** Building and reshaping the appliance's .deb for the systemd tests, and asking a container's daemon. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Container } from './nspawn.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url));

export const run = (cmd: string, args: string[], cwd = repo): string => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** The built .deb's version. */
export const debVersion = (deb: string): string => run('dpkg-deb', ['-f', deb, 'Version']).trim();

/**
 * The same package under another version (dpkg sees an upgrade or a downgrade), with `edit` run
 * over its unpacked tree first; written to `dir`.
 */
export const repack = (deb: string, dir: string, version: string, edit?: (tree: string) => void): string => {
  const tree = join(dir, `tree-${version}`);
  run('dpkg-deb', ['-R', deb, tree]);
  const control = join(tree, 'DEBIAN/control');
  const was = debVersion(deb);
  writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: .+$/m, `Version: ${version}`));
  const pkg = join(tree, 'opt/patch-depot/package.json');
  writeFileSync(pkg, readFileSync(pkg, 'utf8').replace(`"version": "${was}"`, `"version": "${version}"`));
  edit?.(tree);
  const arch = run('dpkg-deb', ['-f', deb, 'Architecture']).trim();
  const out = join(dir, `patch-depot_${version}_${arch}.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', tree, out]);
  rmSync(tree, { recursive: true, force: true });
  return out;
};

export const healthz = (c: Container): { status: string; version: string } | undefined => {
  const r = c.sh('curl -sf --max-time 5 http://127.0.0.1:8080/healthz');
  return r.status === 0 ? (JSON.parse(r.stdout) as { status: string; version: string }) : undefined;
};
