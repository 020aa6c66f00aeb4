/**
 * The lab vendor's rpm repository, for managed hosts that stand in for an Enterprise Linux 9
 * machine (ManagedSpec.rpm): tiny noarch rpms built with rpmbuild, each with an older version
 * (installed on those hosts at setup) and a newer "security fix" (the only one in the
 * repository), indexed by createrepo_c, plus an OSV feed (`Rocky Linux:9`) naming the fixed
 * versions. The packages are not signed: the lab's .repo file says gpgcheck=0, which only a lab
 * may do (managed-rpm.ts). Nothing here touches the network.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAIL_POSTINST_MARKER, NEEDS_REBOOT_MARKER, type VendorPackage } from './vendor-repo.js';

/** Binary rpm names (EL advisories name binary packages); distinct from the .debs' names. */
export const RPM_PACKAGES: readonly VendorPackage[] = [
  { name: 'pdlab-rlib', oldVersion: '1.0-1', fixedVersion: '1.0-2', cve: 'CVE-2099-2001', urgency: 'high' },
  {
    name: 'pdlab-rweb',
    oldVersion: '2.4-1',
    fixedVersion: '2.4-3',
    cve: 'CVE-2099-2002',
    urgency: 'medium',
    fixedDepends: 'pdlab-rlib >= 1.0-2',
  },
];

/** The OSV ecosystem and the advisory ids the feed gives (Rocky's own RLSA style). */
export const RPM_ECOSYSTEM = 'Rocky Linux:9';
export const rpmAdvisoryId = (pkg: VendorPackage): string => `RLSA-2099:${pkg.cve.slice(-4)}`;

export interface VendorRpmRepo {
  /** Directory served at the vendor's `/rpm/` (the rpms and repodata/). */
  root: string;
  /** The OSV feed, served at `/osv.json`. */
  osvFile: string;
  /** The old versions' rpms, installed on every rpm host at setup. */
  oldRpms: string[];
  /** Fixed package name -> size of its rpm in bytes. */
  rpmSizes: Record<string, number>;
}

/** The fixed version's %post: fails on a host with the lab marker, asks for a reboot on another. */
const post = (name: string): string => `
%post
if [ -e ${FAIL_POSTINST_MARKER} ]; then
  echo "${name}: %post fails on this host (lab marker ${FAIL_POSTINST_MARKER})" >&2
  exit 1
fi
if [ -e ${NEEDS_REBOOT_MARKER} ]; then
  touch /var/run/reboot-required
fi
`;

const spec = (pkg: VendorPackage, fixed: boolean): string => {
  const [version, release] = (fixed ? pkg.fixedVersion : pkg.oldVersion).split('-');
  return [
    `Name: ${pkg.name}`,
    `Version: ${version}`,
    `Release: ${release}`,
    `Summary: lab package ${pkg.name}${fixed ? ` (fixes ${pkg.cve})` : ''}`,
    'License: MIT',
    'BuildArch: noarch',
    ...(fixed && pkg.fixedDepends ? [`Requires: ${pkg.fixedDepends}`] : []),
    '%description',
    `The Patch Depot lab's ${pkg.name}.`,
    '%install',
    `mkdir -p %{buildroot}/usr/share/${pkg.name}`,
    `cp %{payload} %{buildroot}/usr/share/${pkg.name}/payload`,
    `echo %{version}-%{release} > %{buildroot}/usr/share/${pkg.name}/version`,
    '%files',
    `/usr/share/${pkg.name}`,
    fixed ? post(pkg.name) : '',
  ].join('\n');
};

/**
 * What an EL host's own packages give and the Debian userland under a lab host does not: the
 * shell scriptlets run with (bash's `Provides: /bin/sh`) and the release (rocky-release's).
 * Installed on rpm hosts only, never in the repository.
 */
export const BASE_RPM: VendorPackage = {
  name: 'pdlab-el9-base',
  oldVersion: '9.4-1',
  fixedVersion: '9.4-1',
  cve: '',
  urgency: 'low',
};
const baseSpec = (): string =>
  [
    `Name: ${BASE_RPM.name}`,
    'Version: 9.4',
    'Release: 1',
    'Summary: the Patch Depot lab stand-in for an EL 9 base system',
    'License: MIT',
    'BuildArch: noarch',
    'Provides: /bin/sh',
    'Provides: system-release(releasever) = 9',
    '%description',
    "What the lab's rpm hosts have from this machine's Debian userland, said in rpm's terms.",
    '%files',
    '',
  ].join('\n');

/** One rpm (rpmbuild in a top dir of its own), moved to `outDir`; returns its path. */
const buildRpm = (work: string, pkg: VendorPackage, fixed: boolean, payloadBytes: number, outDir: string) => {
  const version = fixed ? pkg.fixedVersion : pkg.oldVersion;
  const top = join(work, 'build', `${pkg.name}-${version}`);
  mkdirSync(top, { recursive: true });
  const payload = join(top, 'payload');
  writeFileSync(payload, randomBytes(payloadBytes));
  const specFile = join(top, `${pkg.name}.spec`);
  writeFileSync(specFile, pkg === BASE_RPM ? baseSpec() : spec(pkg, fixed));
  execFileSync(
    'rpmbuild',
    [
      '-bb',
      '--quiet',
      '--define',
      `_topdir ${top}`,
      '--define',
      `payload ${payload}`,
      // Debian's rpm keeps its database under ~; the build must not touch the machine's.
      '--define',
      `_dbpath ${join(top, 'db')}`,
      specFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const built = join(top, 'RPMS', 'noarch', `${pkg.name}-${version}.noarch.rpm`);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${pkg.name}-${version}.noarch.rpm`);
  execFileSync('mv', [built, out]);
  return out;
};

/** OSV records for the fixed versions, as the daemon's OSV feed reads them (one JSON array). */
export const osvFeed = (packages: readonly VendorPackage[] = RPM_PACKAGES): string =>
  `${JSON.stringify(
    packages.map((p) => ({
      schema_version: '1.6.0',
      id: rpmAdvisoryId(p),
      modified: '2099-01-01T00:00:00Z',
      aliases: [p.cve],
      summary: `lab advisory for ${p.name}`,
      database_specific: { severity: p.urgency },
      affected: [
        {
          package: { ecosystem: RPM_ECOSYSTEM, name: p.name },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: p.fixedVersion }] }],
        },
      ],
    })),
    null,
    1,
  )}\n`;

/** Build everything under `work` (replaced if present). */
export const buildVendorRpmRepo = (work: string, payloadBytes: number): VendorRpmRepo => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const root = join(work, 'repo');
  const oldRpms = [BASE_RPM, ...RPM_PACKAGES].map((p) =>
    buildRpm(work, p, false, payloadBytes, join(work, 'old')),
  );
  const rpmSizes: Record<string, number> = {};
  for (const p of RPM_PACKAGES) rpmSizes[p.name] = statSync(buildRpm(work, p, true, payloadBytes, root)).size;
  execFileSync('createrepo_c', ['--quiet', '--no-database', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  const osvFile = join(work, 'osv.json');
  writeFileSync(osvFile, osvFeed());
  rmSync(join(work, 'build'), { recursive: true, force: true });
  if (readdirSync(join(root, 'repodata')).length === 0) throw new Error('createrepo_c wrote no metadata');
  return { root, osvFile, oldRpms, rpmSizes };
};
