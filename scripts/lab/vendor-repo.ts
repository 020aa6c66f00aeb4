/**
 * The lab vendor's signed apt repository, built at lab setup: a few tiny packages made with
 * dpkg-deb, each with an older version (installed on every managed host) and a newer "security
 * fix" (the only one in the repository), indexed by dpkg-scanpackages, a Release with SHA256 sums
 * and an InRelease signed by a throwaway key generated here, plus a Debian-security-tracker feed
 * that names the fixed versions. Nothing here touches the network.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { VendorRpmRepo } from './vendor-rpm.js';

export interface VendorPackage {
  name: string;
  oldVersion: string;
  fixedVersion: string;
  cve: string;
  urgency: 'low' | 'medium' | 'high';
  /** Depends of the fixed version (an extra upgrade the dry run shows). */
  fixedDepends?: string;
}

/** Source name = binary name, so the tracker's source keys match the installed packages. */
export const VENDOR_PACKAGES: readonly VendorPackage[] = [
  { name: 'pdlab-libssl', oldVersion: '1.0-1', fixedVersion: '1.0-2', cve: 'CVE-2099-1001', urgency: 'high' },
  {
    name: 'pdlab-web',
    oldVersion: '2.4-1',
    fixedVersion: '2.4-1+lab1',
    cve: 'CVE-2099-1002',
    urgency: 'medium',
    fixedDepends: 'pdlab-libssl (>= 1.0-2)',
  },
  { name: 'pdlab-tools', oldVersion: '0.9-1', fixedVersion: '0.9-2', cve: 'CVE-2099-1003', urgency: 'low' },
];

/** Marker files in a host's own root that make the fixed packages' postinst misbehave there. */
export const FAIL_POSTINST_MARKER = '/etc/pd-lab/fail-postinst';
export const NEEDS_REBOOT_MARKER = '/etc/pd-lab/needs-reboot';
/** Where hosts keep the vendor's key (apt sources name it with signed-by). */
export const HOST_KEYRING = '/etc/apt/keyrings/pd-lab-vendor.gpg';

export interface VendorRepo {
  /** Directory served at the vendor's `/debian/` (dists/, pool/). */
  root: string;
  /** The tracker feed file, served at `/tracker.json`. */
  feedFile: string;
  /** Binary OpenPGP keyring of the signing key. */
  keyring: string;
  /** The old versions' .debs, installed on every managed host at setup. */
  oldDebs: string[];
  /** Fixed package name -> size of its .deb in bytes. */
  debSizes: Record<string, number>;
  codename: string;
  arch: string;
  /** The rpm repository and its OSV feed, when the lab has rpm hosts (vendor-rpm.ts). */
  rpm?: VendorRpmRepo | undefined;
}

const sh = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });

export const hostCodename = (): string =>
  /^VERSION_CODENAME=(\S+)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'bookworm';

const postinst = (name: string): string => `#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if [ -e ${FAIL_POSTINST_MARKER} ]; then
    echo "${name}: postinst fails on this host (lab marker ${FAIL_POSTINST_MARKER})" >&2
    exit 1
  fi
  if [ -e ${NEEDS_REBOOT_MARKER} ]; then
    touch /var/run/reboot-required
    echo ${name} >> /var/run/reboot-required.pkgs
  fi
fi
`;

/** One .deb: a control file, an incompressible payload of `payloadBytes`, a postinst when fixed. */
const buildDeb = (
  work: string,
  pkg: VendorPackage,
  fixed: boolean,
  arch: string,
  payloadBytes: number,
): string => {
  const version = fixed ? pkg.fixedVersion : pkg.oldVersion;
  const tree = join(work, 'build', `${pkg.name}_${version}`);
  mkdirSync(join(tree, 'DEBIAN'), { recursive: true });
  const share = join(tree, 'usr/share', pkg.name);
  mkdirSync(share, { recursive: true });
  writeFileSync(join(share, 'version'), `${version}\n`);
  writeFileSync(join(share, 'payload'), randomBytes(payloadBytes));
  const control = [
    `Package: ${pkg.name}`,
    `Version: ${version}`,
    `Architecture: ${arch}`,
    'Maintainer: Patch Depot lab <lab@example.invalid>',
    'Section: misc',
    'Priority: optional',
    ...(fixed && pkg.fixedDepends ? [`Depends: ${pkg.fixedDepends}`] : []),
    `Description: lab package ${pkg.name}${fixed ? ` (fixes ${pkg.cve})` : ''}`,
    '',
  ].join('\n');
  writeFileSync(join(tree, 'DEBIAN/control'), control);
  if (fixed) {
    writeFileSync(join(tree, 'DEBIAN/postinst'), postinst(pkg.name));
    chmodSync(join(tree, 'DEBIAN/postinst'), 0o755);
  }
  const out = join(work, fixed ? 'repo/pool/main' : 'old', `${pkg.name}_${version}_${arch}.deb`);
  mkdirSync(join(out, '..'), { recursive: true });
  sh('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, out]);
  return out;
};

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Packages (plain, .gz, .xz) and a Release listing their SHA256 sums. */
export const writeIndexes = (repo: string, codename: string, arch: string): string => {
  const dist = join(repo, 'dists', codename);
  const rel = `main/binary-${arch}`;
  mkdirSync(join(dist, rel), { recursive: true });
  const packages = sh('dpkg-scanpackages', ['--multiversion', 'pool', '/dev/null'], { cwd: repo });
  const plain = join(dist, rel, 'Packages');
  writeFileSync(plain, packages);
  writeFileSync(`${plain}.gz`, gzipSync(packages));
  writeFileSync(`${plain}.xz`, execFileSync('xz', ['-c', plain]));
  const sums = ['Packages', 'Packages.gz', 'Packages.xz'].map((f) => {
    const file = join(dist, rel, f);
    return ` ${sha256(file)} ${statSync(file).size} ${rel}/${f}`;
  });
  const release = [
    'Origin: Patch Depot lab vendor',
    'Label: pdlab',
    `Suite: ${codename}`,
    `Codename: ${codename}`,
    `Date: ${new Date().toUTCString()}`,
    `Architectures: ${arch}`,
    'Components: main',
    'Description: the simulated vendor of the Patch Depot lab',
    'SHA256:',
    ...sums,
    '',
  ].join('\n');
  writeFileSync(join(dist, 'Release'), release);
  return dist;
};

/**
 * A throwaway signing key (made once per work directory, so a repository can be published again
 * under the same key); InRelease and Release.gpg signed with it; the agent stopped after.
 */
export const sign = (work: string, dist: string): string => {
  const home = join(work, 'gnupg');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const gpg = (args: string[]): string =>
    sh('gpg', [
      '--homedir',
      home,
      '--batch',
      '--yes',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      ...args,
    ]);
  try {
    if (!existsSync(join(work, 'vendor-keyring.gpg'))) {
      gpg(['--quick-gen-key', 'Patch Depot lab vendor <vendor@lab.invalid>', 'ed25519', 'sign', '1d']);
    }
    gpg(['--clearsign', '-o', join(dist, 'InRelease'), join(dist, 'Release')]);
    gpg(['--armor', '--detach-sign', '-o', join(dist, 'Release.gpg'), join(dist, 'Release')]);
    const keyring = join(work, 'vendor-keyring.gpg');
    writeFileSync(keyring, execFileSync('gpg', ['--homedir', home, '--export']));
    return keyring;
  } finally {
    try {
      sh('gpgconf', ['--homedir', home, '--kill', 'all']);
    } catch {
      // no agent was started
    }
  }
};

/** Debian security tracker JSON naming each fixed version (daemon/catalog/feeds/debian-tracker.ts). */
export const trackerFeed = (
  codename: string,
  packages: readonly VendorPackage[] = VENDOR_PACKAGES,
): string => {
  const doc: Record<string, unknown> = {};
  for (const p of packages) {
    doc[p.name] = {
      [p.cve]: {
        description: `lab advisory for ${p.name}`,
        scope: 'remote',
        releases: {
          [codename]: {
            status: 'resolved',
            repositories: { [codename]: p.fixedVersion },
            fixed_version: p.fixedVersion,
            urgency: p.urgency,
          },
        },
      },
    };
  }
  return `${JSON.stringify(doc, null, 1)}\n`;
};

/** Build everything under `work` (replaced if present). */
export const buildVendorRepo = (work: string, payloadBytes: number): VendorRepo => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const arch = sh('dpkg', ['--print-architecture']).trim();
  const codename = hostCodename();
  const oldDebs = VENDOR_PACKAGES.map((p) => buildDeb(work, p, false, arch, payloadBytes));
  const debSizes: Record<string, number> = {};
  for (const p of VENDOR_PACKAGES)
    debSizes[p.name] = statSync(buildDeb(work, p, true, arch, payloadBytes)).size;
  const root = join(work, 'repo');
  const dist = writeIndexes(root, codename, arch);
  const keyring = sign(work, dist);
  const feedFile = join(work, 'tracker.json');
  writeFileSync(feedFile, trackerFeed(codename));
  rmSync(join(work, 'build'), { recursive: true, force: true });
  return { root, feedFile, keyring, oldDebs, debSizes, codename, arch };
};
