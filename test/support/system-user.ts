/**
 * Throwaway local accounts and sudoers drop-ins for the tests that log in with a password and
 * run commands through sudo against the machine's real sshd and sudo. Each name is unique per
 * run; `dispose()` removes what was created. Needs root; `systemUserUnavailable()` says why not.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const systemUserUnavailable = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'needs root (useradd, /etc/sudoers.d)';
  for (const tool of ['/usr/sbin/useradd', '/usr/sbin/userdel', '/usr/sbin/chpasswd']) {
    if (!existsSync(tool)) return `${tool} missing (apt-get install passwd)`;
  }
  return undefined;
};

export const sudoUnavailable = (): string | undefined => {
  if (!existsSync('/usr/bin/sudo') || !existsSync('/usr/sbin/visudo'))
    return 'sudo missing: apt-get install sudo';
  return undefined;
};

export interface SystemUser {
  name: string;
  password: string;
  dispose(): Promise<void>;
}

/** A login-capable user with a random password and no home directory. */
export const createSystemUser = async (): Promise<SystemUser> => {
  const name = `pdt${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  await run('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', name]);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = execFile('chpasswd', (err) => (err ? reject(err) : resolve()));
      child.stdin?.end(`${name}:${password}\n`);
    });
  } catch (err) {
    await run('userdel', [name]).catch(() => {});
    throw err;
  }
  return {
    name,
    password,
    dispose: async () => {
      await run('userdel', [name]);
    },
  };
};

/** Install `rule` as /etc/sudoers.d/<unique>, 0440, refusing it unless visudo accepts it. */
export const installSudoers = async (rule: string): Promise<{ dispose(): Promise<void> }> => {
  // No dot in the name: sudo skips drop-ins whose name contains one.
  const file = `/etc/sudoers.d/pdtest${randomBytes(4).toString('hex')}`;
  const staged = join(tmpdir(), `pd-sudoers-${randomBytes(4).toString('hex')}`);
  await writeFile(staged, `${rule}\n`, { mode: 0o440 });
  try {
    await run('visudo', ['-cf', staged]);
  } catch (err) {
    await rm(staged, { force: true });
    throw err;
  }
  await writeFile(file, `${rule}\n`, { mode: 0o440 });
  await chmod(file, 0o440);
  await rm(staged, { force: true });
  return { dispose: () => rm(file, { force: true }) };
};
