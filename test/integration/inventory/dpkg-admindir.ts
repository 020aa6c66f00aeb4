/**
 * A real dpkg database for the inventory tests: tiny packages built with dpkg-deb from package
 * trees, installed by dpkg itself into a private admindir and instdir (no root filesystem is
 * touched), one of them removed again so it lingers as "config-files" (rc) like on real hosts.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPackage {
  name: string;
  version: string;
  arch: string;
  /** `Source:` field value, e.g. `betasrc (3.4~rc1-1)`. */
  source?: string;
}

export const installedPackages: TestPackage[] = [
  { name: 'pd-alpha', version: '1.0-1', arch: 'all' },
  { name: 'pd-beta', version: '2:3.4~rc1-2', arch: 'all', source: 'pd-betasrc (3.4~rc1-1)' },
  { name: 'pd-delta', version: '0.5+deb12u1', arch: 'amd64', source: 'pd-deltasrc' },
];
/** Installed, then removed: dpkg keeps it as `rc`; an inventory must not list it. */
export const removedPackage: TestPackage = { name: 'pd-gamma', version: '0.9', arch: 'all' };

export interface DpkgDatabase {
  dir: string;
  adminDir: string;
  dispose(): Promise<void>;
}

const buildDeb = async (dir: string, pkg: TestPackage): Promise<string> => {
  const tree = join(dir, 'trees', pkg.name);
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await mkdir(join(tree, 'usr/share/doc', pkg.name), { recursive: true });
  await mkdir(join(tree, 'etc', pkg.name), { recursive: true });
  await writeFile(join(tree, 'usr/share/doc', pkg.name, 'README'), `${pkg.name} test package\n`);
  await writeFile(join(tree, 'etc', pkg.name, 'settings.conf'), 'setting=1\n');
  await writeFile(join(tree, 'DEBIAN/conffiles'), `/etc/${pkg.name}/settings.conf\n`);
  const control = [
    `Package: ${pkg.name}`,
    `Version: ${pkg.version}`,
    `Architecture: ${pkg.arch}`,
    'Maintainer: Patch Depot tests <tests@example.invalid>',
    ...(pkg.source ? [`Source: ${pkg.source}`] : []),
    `Description: ${pkg.name} for the inventory tests`,
    '',
  ].join('\n');
  await writeFile(join(tree, 'DEBIAN/control'), control);
  const deb = join(dir, `${pkg.name}.deb`);
  await run('dpkg-deb', ['--root-owner-group', '--build', tree, deb]);
  return deb;
};

export const buildDpkgDatabase = async (): Promise<DpkgDatabase> => {
  const dir = await mkdtemp(join(tmpdir(), 'pd-dpkg-'));
  const adminDir = join(dir, 'admin');
  const instDir = join(dir, 'root');
  await mkdir(join(adminDir, 'updates'), { recursive: true });
  await mkdir(join(adminDir, 'info'), { recursive: true });
  await mkdir(instDir, { recursive: true });
  await writeFile(join(adminDir, 'status'), '');
  await writeFile(join(adminDir, 'available'), '');
  const debs = [];
  for (const pkg of [...installedPackages, removedPackage]) debs.push(await buildDeb(dir, pkg));
  const dpkg = (...args: string[]) =>
    run('dpkg', [
      `--admindir=${adminDir}`,
      `--instdir=${instDir}`,
      '--force-not-root',
      '--force-script-chrootless',
      // amd64 test package on whatever this machine is.
      '--force-architecture',
      ...args,
    ]);
  await dpkg('-i', ...debs);
  await dpkg('-r', removedPackage.name);
  return { dir, adminDir, dispose: () => rm(dir, { recursive: true, force: true }) };
};
