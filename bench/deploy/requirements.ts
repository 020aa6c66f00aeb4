/** What the deployment benchmark needs on this machine; its smoke test skips for the same reasons. */
import { spawnSync } from 'node:child_process';
import { managedHostsUnavailableReason } from '../../scripts/lab/managed-host.js';
import { hasCommand, labUnavailableReason } from '../../scripts/lab/netns.js';

/** Why the benchmark cannot run at all here (Patch Depot's side needs the managed lab), or undefined. */
export const deployBenchUnavailableReason = (): string | undefined =>
  labUnavailableReason() ?? managedHostsUnavailableReason();

export const ANSIBLE_INSTALL = 'apt-get install -y ansible';

/**
 * Why the Ansible side cannot run, or undefined. Lab hosts share this machine's `/`, so the apt
 * module's python3-apt must be importable by /usr/bin/python3 here (Debian's ansible brings it).
 */
export const ansibleUnavailableReason = (): string | undefined => {
  if (!hasCommand('ansible-playbook'))
    return `ansible-playbook is missing: install it with \`${ANSIBLE_INSTALL}\` to compare against Ansible`;
  const apt = spawnSync('/usr/bin/python3', ['-c', 'import apt'], { stdio: 'ignore' });
  return apt.status === 0
    ? undefined
    : 'the apt module needs python3-apt for /usr/bin/python3 (apt-get install -y python3-apt)';
};
