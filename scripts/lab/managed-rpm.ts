/**
 * A managed lab host as an Enterprise Linux 9 stand-in (ManagedSpec.rpm). It keeps this machine's
 * Debian userland under its overlay (sshd, sh, coreutils) but answers as an rpm host everywhere
 * Patch Depot looks: os-release says Rocky Linux 9 (so inventory reads `rpm -qa` and assessment
 * uses the Rocky advisories), the vendor's old rpms are in the rpm database at EL's path, and dnf
 * (Debian's build of dnf 4, the EL 9 one) upgrades from the vendor's rpm repository. Written into
 * the host's own upper dir before its first boot, so nothing reaches this machine's own files.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PlannedVendor } from './spec.js';
import type { VendorRpmRepo } from './vendor-rpm.js';

/** Where EL keeps the rpm database (Debian's rpm defaults to ~/.rpmdb). */
export const RPM_DBPATH = '/var/lib/rpm';

const OS_RELEASE = `NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx) [Patch Depot lab]"
`;

/** The files that make the host an rpm host, relative to its root. */
export const rpmHostFiles = (vendor: PlannedVendor): Record<string, string> => ({
  'etc/os-release': OS_RELEASE,
  'etc/rpm/macros': `%_dbpath ${RPM_DBPATH}\n`,
  // Debian's dnf-plugins-core turns on the "local" plugin (a repository of every installed
  // rpm); EL does not ship it. Off, as on a real EL host.
  'etc/dnf/plugins/local.conf': '[main]\nenabled=0\n',
  // LAB ONLY: the vendor's rpms are not signed, so gpgcheck is off. A real repository is signed
  // and its key imported; Patch Depot passes no option that weakens the host's checks.
  'etc/yum.repos.d/pd-lab-vendor.repo': [
    '[pd-lab-vendor]',
    'name=Patch Depot lab vendor',
    `baseurl=${vendor.rpmRepoUrl}/`,
    'enabled=1',
    'gpgcheck=0',
    'metadata_expire=0',
    '',
  ].join('\n'),
  // What dnf-utils installs on EL 9: the plugin command under its old name.
  'usr/bin/needs-restarting': '#!/bin/sh\nexec /usr/bin/dnf -q needs-restarting "$@"\n',
});

/** Write the files and the rpm database (the vendor's old rpms) into the host's upper dir. */
export const prepareRpmHost = (upper: string, vendor: PlannedVendor, repo: VendorRpmRepo): void => {
  for (const [rel, content] of Object.entries(rpmHostFiles(vendor))) {
    const file = join(upper, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  chmodSync(join(upper, 'usr/bin/needs-restarting'), 0o755);
  // The old rpms (and the base stand-in, vendor-rpm.ts) have no scriptlets, so rpm --root needs
  // nothing but the files it writes.
  const rpm = (args: string[]) =>
    execFileSync('rpm', ['--root', upper, '--dbpath', RPM_DBPATH, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  rpm(['--initdb']);
  rpm(['-i', '--nodeps', ...repo.oldRpms]);
};
