/**
 * The headers a cached file is served with, decided from its file name by a fixed table and never
 * from what the upstream said: a mirror (or whoever sits in front of it) must not get a browser to
 * render its bytes as HTML or script. Every answer carries nosniff and a sandbox policy; anything
 * that is not a package or a repository index is a download (`attachment`), not a page.
 */

const TEXT = 'text/plain; charset=utf-8';
const DEB = 'application/vnd.debian.binary-package';
const RPM = 'application/x-rpm';
const SIGNATURE = 'application/pgp-signature';
const OCTETS = 'application/octet-stream';

/** File extension (lower case) -> Content-Type. */
const BY_EXTENSION: Record<string, string> = {
  deb: DEB,
  udeb: DEB,
  ddeb: DEB,
  dsc: TEXT,
  changes: TEXT,
  buildinfo: TEXT,
  rpm: RPM,
  apk: OCTETS,
  gz: 'application/gzip',
  tgz: 'application/gzip',
  xz: 'application/x-xz',
  bz2: 'application/x-bzip2',
  lzma: 'application/x-lzma',
  zst: 'application/zstd',
  tar: 'application/x-tar',
  gpg: SIGNATURE,
  asc: SIGNATURE,
  sig: SIGNATURE,
  // Repository metadata (repomd.xml and friends) as text: package managers do not look, browsers
  // then show it instead of parsing XML.
  xml: TEXT,
};

/** apt index files without an extension. */
const TEXT_NAMES =
  /^(InRelease|Release|Packages|Sources|Index|(Contents|Translation|Components|Commands)-[^/.]+)$/;

/** Where package managers fetch from: packages, source packages and repository indexes. */
const REPOSITORY_DIRS = /\/(dists|pool|by-hash|repodata)\//;
const PACKAGE_EXTENSIONS = new Set(['deb', 'udeb', 'ddeb', 'dsc', 'rpm', 'apk']);
const INDEX_NAMES = /^(InRelease|Release(\.gpg)?|APKINDEX\.tar\.gz|repomd\.xml(\.asc)?)$/;

export interface ServedAs {
  contentType: string;
  /** Not a package or repository index: a browser should save it, not show it. */
  attachment: boolean;
}

export const servedAs = (url: string): ServedAs => {
  const path = new URL(url).pathname;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  const contentType = TEXT_NAMES.test(name) ? TEXT : (BY_EXTENSION[ext] ?? OCTETS);
  const packageFile = PACKAGE_EXTENSIONS.has(ext) || INDEX_NAMES.test(name) || REPOSITORY_DIRS.test(path);
  return { contentType, attachment: !packageFile };
};

/** Content-Type and the protective headers for a cached file at `url`. */
export const cachedFileHeaders = (url: string): Record<string, string> => {
  const { contentType, attachment } = servedAs(url);
  return {
    'content-type': contentType,
    'x-content-type-options': 'nosniff',
    'content-security-policy': 'sandbox',
    ...(attachment ? { 'content-disposition': 'attachment' } : {}),
  };
};
