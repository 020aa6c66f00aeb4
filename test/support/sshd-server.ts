/**
 * A real OpenSSH server for the remote and inventory tests: its own host key, sshd_config and
 * authorized_keys in a temp dir, listening on 127.0.0.1 only, on a free high port. Needs root
 * (sshd's privilege separation) and /usr/sbin/sshd; `sshdUnavailable()` says why not otherwise.
 * Password logins (plain, or keyboard-interactive through PAM) are off unless asked for.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export const sshdUnavailable = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'needs root (sshd privilege separation)';
  if (!existsSync(SSHD)) return `${SSHD} missing: apt-get install openssh-server`;
  if (!existsSync('/usr/bin/ssh-keygen')) return 'ssh-keygen missing: apt-get install openssh-client';
  return undefined;
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });

export const hostKeyFingerprint = async (pubFile: string): Promise<string> => {
  const { stdout } = await run('ssh-keygen', ['-lf', pubFile]);
  return stdout.split(' ')[1]!;
};

export interface SshdOptions {
  /** Run inside this network namespace (a lab host) instead of the test's own. */
  netns?: string;
  /** Listen address; default 127.0.0.1. */
  address?: string;
  /** `password`: plain password logins (shadow); `pam`: keyboard-interactive through PAM only. */
  passwords?: 'password' | 'pam';
}

export class SshdServer {
  port = 0;
  private proc: ChildProcess | undefined;
  private logText = '';

  private constructor(
    readonly dir: string,
    private readonly where: SshdOptions,
  ) {}

  /**
   * A server whose root login accepts `authorizedKeys` (lines). By default on 127.0.0.1 and a
   * free high port; `netns` + `address` put it inside a lab host's namespace instead (port 22).
   */
  static async create(authorizedKeys: string[], where: SshdOptions = {}): Promise<SshdServer> {
    const dir = await mkdtemp(join(tmpdir(), 'pd-sshd-'));
    const server = new SshdServer(dir, where);
    await server.newHostKey('ed25519');
    await server.setAuthorizedKeys(authorizedKeys);
    server.port = where.netns ? 22 : await freePort();
    return server;
  }

  get hostKeyPub(): string {
    return join(this.dir, 'host_key.pub');
  }

  /** Replace the host key (as a reinstall or an impostor would); takes effect at the next start. */
  async newHostKey(type: 'ed25519' | 'ecdsa' | 'rsa'): Promise<void> {
    await rm(join(this.dir, 'host_key'), { force: true });
    await rm(this.hostKeyPub, { force: true });
    await run('ssh-keygen', [
      '-q',
      '-t',
      type,
      '-N',
      '',
      '-C',
      'test-host',
      '-f',
      join(this.dir, 'host_key'),
    ]);
  }

  async setAuthorizedKeys(lines: string[]): Promise<void> {
    await writeFile(join(this.dir, 'authorized_keys'), lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
  }

  get log(): string {
    return this.logText;
  }

  async start(): Promise<void> {
    const d = this.dir;
    await writeFile(
      join(d, 'sshd_config'),
      [
        `Port ${this.port}`,
        `ListenAddress ${this.where.address ?? '127.0.0.1'}`,
        `HostKey ${d}/host_key`,
        `PidFile ${d}/sshd.pid`,
        `AuthorizedKeysFile ${d}/authorized_keys`,
        // The temp dir lives under world-writable /tmp, which StrictModes would reject.
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        `PasswordAuthentication ${this.where.passwords === 'password' ? 'yes' : 'no'}`,
        `KbdInteractiveAuthentication ${this.where.passwords === 'pam' ? 'yes' : 'no'}`,
        `UsePAM ${this.where.passwords === 'pam' ? 'yes' : 'no'}`,
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const logFrom = this.logText.length;
    const argv = [SSHD, '-D', '-e', '-f', join(d, 'sshd_config')];
    const [cmd, ...args] = this.where.netns ? ['ip', 'netns', 'exec', this.where.netns, ...argv] : argv;
    const proc = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let exited = false;
    proc.on('exit', () => {
      exited = true;
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      this.logText += chunk.toString();
    });
    await waitFor(() => {
      if (exited) throw new Error(`sshd exited:\n${this.logText}`);
      return this.logText.slice(logFrom).includes('Server listening on');
    }, 'sshd to listen');
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
    this.proc = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  async readFile(name: string): Promise<string> {
    return readFile(join(this.dir, name), 'utf8');
  }
}
