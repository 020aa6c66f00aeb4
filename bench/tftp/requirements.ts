/** What the TFTP benchmark needs on this machine; its smoke test skips for the same reason. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasCommand, labUnavailableReason } from '../../scripts/lab/netns.js';
import { nftAvailable } from '../../scripts/lab/packet-filter.js';

/** Where `.ci/run` unpacks tftpd-hpa without installing it (no service on real interfaces). */
const UNPACKED = '/opt/patch-depot-peers/usr/sbin/in.tftpd';

/** Where in.tftpd is (`IN_TFTPD`, the unpacked copy, or installed), or undefined. */
export const inTftpdPath = (): string | undefined => {
  for (const path of [process.env.IN_TFTPD, UNPACKED]) if (path && existsSync(path)) return path;
  const r = spawnSync('sh', ['-c', 'command -v in.tftpd || ls /usr/sbin/in.tftpd'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
};

/** Why the benchmark cannot run here, or undefined when it can. */
export const tftpBenchUnavailableReason = (): string | undefined =>
  labUnavailableReason() ??
  (nftAvailable() ? undefined : 'nft is needed for packet loss (apt-get install nftables)') ??
  (hasCommand('atftp') ? undefined : 'atftp is missing (apt-get install atftp)') ??
  (inTftpdPath()
    ? undefined
    : 'in.tftpd is missing: install tftpd-hpa without letting it start on real interfaces (README, Benchmarks)');
