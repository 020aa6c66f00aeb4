/**
 * Binary -> source package when the inventory did not say (plain `dpkg-query -W` output has only
 * ${Package} ${Version}). Security trackers key on source names, so without this libc6 would
 * never match glibc's fixes. In order: a mapping learnt from apt Packages indexes of the same
 * release, a table of well-known Debian/Ubuntu library packages whose names say nothing about
 * their source, then the Debian library naming rules (lib<name><soversion>[-suffix]). A guess is
 * only taken when the catalog actually has that source package for the host's release.
 */

const KNOWN: [RegExp, string][] = [
  [/^(libc6|libc6-.*|libc-bin|libc-dev-bin|libc-l10n|locales|locales-all|nscd)$/, 'glibc'],
  [/^(libssl\d.*|openssl|libssl-dev|libcrypto\d.*)$/, 'openssl'],
  [/^libgnutls.*$/, 'gnutls28'],
  [/^(linux-image-.*|linux-headers-.*|linux-libc-dev|linux-kbuild-.*)$/, 'linux'],
  [/^(libsystemd\d+|libudev\d+|udev|systemd-.*|libnss-systemd|libpam-systemd)$/, 'systemd'],
  [/^(libpam\d.*|libpam-modules.*|libpam-runtime)$/, 'pam'],
  [/^libglib2\.0-.*$/, 'glib2.0'],
  [/^libsqlite3-.*$/, 'sqlite3'],
  [/^zlib1g.*$/, 'zlib'],
  [/^libpng16-.*$/, 'libpng1.6'],
  [/^libjpeg62-turbo.*$/, 'libjpeg-turbo'],
  [/^libtiff\d.*$/, 'tiff'],
  [/^(libnss3.*)$/, 'nss'],
  [/^libldap-.*$/, 'openldap'],
  [/^libsasl2-.*$/, 'cyrus-sasl2'],
  [/^libpcre2-.*$/, 'pcre2'],
  [/^liblzma\d.*$/, 'xz-utils'],
  [/^libbz2-.*$/, 'bzip2'],
  [/^libzstd\d.*$/, 'libzstd'],
  [/^(openssh-.*|ssh)$/, 'openssh'],
  [/^(bind9-.*|dnsutils)$/, 'bind9'],
  [/^libcurl.*$/, 'curl'],
  [/^libexpat1.*$/, 'expat'],
  [/^(libsmbclient.*|libwbclient\d.*|smbclient|samba-.*)$/, 'samba'],
  [/^libcups\d.*$/, 'cups'],
  [/^libdbus-1-\d.*$/, 'dbus'],
  [/^(libkrb5-.*|libgssapi-krb5-.*|libk5crypto\d.*|libkrb5support\d.*)$/, 'krb5'],
  [/^(libpython3\.\d+.*|python3\.\d+.*)$/, ''], // handled below: the source is python3.X
  [/^(libstdc\+\+6|libgcc-s1|libgomp1|libatomic1|libquadmath0|libasan\d+|libubsan\d+)$/, ''],
  [/^libxml2.*$/, 'libxml2'],
  [/^(libtasn1-\d+.*)$/, 'libtasn1-6'],
  [/^libgcrypt20.*$/, 'libgcrypt20'],
  [/^(libsnmp\d+.*|snmp|snmpd)$/, 'net-snmp'],
  [/^(libperl5\.\d+|perl-base|perl-modules-5\.\d+)$/, 'perl'],
  [
    /^(libuuid1|libblkid1|libmount1|libsmartcols1|libfdisk1|mount|fdisk|bsdutils|bsdextrautils|uuid-runtime)$/,
    'util-linux',
  ],
  [/^(libext2fs2|libss2|libcom-err2|e2fsprogs-l10n|logsave)$/, 'e2fsprogs'],
  [/^(libgpg-error0|libgpg-error-l10n)$/, 'libgpg-error'],
  [/^(gpgv|gpg|gpg-agent|gpgconf|gpgsm|dirmngr|gpg-wks-.*|gnupg-.*)$/, 'gnupg2'],
  [/^(libapt-pkg\d.*|apt-utils)$/, 'apt'],
  [/^(libdpkg-perl)$/, 'dpkg'],
  [/^(libxslt1\.1)$/, 'libxslt'],
  [/^(libwebp\d+|libwebpmux\d+|libwebpdemux\d+|libsharpyuv\d+)$/, 'libwebp'],
];

/** Candidate source names for a binary package, most likely first. */
export const sourceCandidates = (binary: string, version = ''): string[] => {
  const out: string[] = [];
  for (const [re, source] of KNOWN) {
    if (!re.test(binary)) continue;
    if (source) out.push(source);
    const py = /^(?:lib)?(python3\.\d+)/.exec(binary);
    if (py) out.push(py[1]!);
    // The gcc runtime libraries come from gcc-<major> of the version they carry.
    const gcc = /^(\d+)\./.exec(version);
    if (!source && !py && gcc) out.push(`gcc-${gcc[1]}`);
    break;
  }
  // Debian library naming: lib<name><soversion>[-<suffix>] from source <name> or lib<name>.
  const stripped = binary
    .replace(/-(dev|doc|common|bin|data|utils|tools|dbg|l10n|plugins?)$/, '')
    .replace(/t64$/, '');
  out.push(stripped);
  const lib = /^lib(.+?)(-?\d[\d.]*)?$/.exec(stripped);
  if (lib) out.push(lib[1]!, `lib${lib[1]}`);
  return [...new Set(out)].filter((s) => s !== binary);
};
