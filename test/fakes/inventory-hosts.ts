/**
 * Fake hosts for the inventory unit tests, answering with output in the exact formats the real
 * commands print (os-release files, dpkg-query with its status column, rpm --qf, apk list).
 */
import { type FakeAnswer, type FakeHost, fakeHostKey, ok } from './inventory-runner.js';

export const debianOsRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

export const dpkgOutput = [
  'ii \tbash\t5.2.15-2+b7\tamd64\tbash\t5.2.15-2',
  'ii \tlibssl3\t3.0.15-1~deb12u1\tamd64\topenssl\t3.0.15-1~deb12u1',
  'rc \told-kernel-image\t6.1.0-9\tamd64\tlinux-signed-amd64\t6.1.27+1',
  'hi \tpinned-tool\t1.0-1\tall\tpinned-tool\t1.0-1',
  'iU \thalf-unpacked\t2.0-1\tamd64\thalf-unpacked\t2.0-1',
  '',
].join('\n');

export const rockyOsRelease = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
`;

export const rpmOutput = [
  'openssl-libs\t1:3.0.7-27.el9\tx86_64\topenssl-3.0.7-27.el9.src.rpm',
  'bash\t0:5.1.8-6.el9_1\tx86_64\tbash-5.1.8-6.el9_1.src.rpm',
  'gpg-pubkey\t0:8483c65d-5ccc5b19\t(none)\t(none)',
  '',
].join('\n');

export const alpineOsRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
`;

export const apkOutput = `musl-1.2.4_git20230717-r4 x86_64 {musl} (MIT) [installed]
libcrypto3-3.1.4-r5 x86_64 {openssl} (Apache-2.0) [installed]
`;

export interface FakeOs {
  osRelease: string;
  kernel?: string;
  /** What `uname -n` prints; unanswered (exit 127) when absent. */
  hostname?: string;
  reboot?: string;
  /** What `command -v` finds: one tool per line. */
  probe?: string;
  packages: Array<[needle: string, answer: FakeAnswer]>;
}

export const debian: FakeOs = {
  osRelease: debianOsRelease,
  probe: 'dpkg-query\n',
  packages: [['dpkg-query', ok(dpkgOutput)]],
};
export const rocky: FakeOs = {
  osRelease: rockyOsRelease,
  reboot: 'file=no\nneeds-restarting=1\nkernel=no\n',
  probe: 'rpm\n',
  packages: [['rpm -qa', ok(rpmOutput)]],
};
export const alpine: FakeOs = {
  osRelease: alpineOsRelease,
  probe: 'apk\n',
  packages: [['apk list', ok(apkOutput)]],
};

/** A host that logs `root` in with `privateKey` and answers like `os`. */
export const fakeHost = (os: FakeOs, privateKey: string, seed = 'host'): FakeHost => ({
  hostKey: fakeHostKey(seed),
  logins: { root: { privateKey } },
  answers: [
    ['os-release', ok(os.osRelease)],
    // Before `uname -r`: the reboot check runs uname too.
    ['reboot-required', ok(os.reboot ?? 'file=no\nkernel=no\n')],
    ['uname -r', ok(os.kernel ?? '6.1.0-18-amd64\n')],
    ...(os.hostname === undefined ? [] : [['uname -n', ok(os.hostname)] as [string, FakeAnswer]]),
    // The package-manager probe names every tool: answer it before the package needles.
    ['command -v $t', ok(os.probe ?? '')],
    ...os.packages,
  ],
});
