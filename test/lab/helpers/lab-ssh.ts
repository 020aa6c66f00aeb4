/**
 * SSH into lab hosts the way the appliance does: the real OpenSSH client run inside the lab's
 * appliance namespace with a test key; and a Wake-on-LAN magic packet sent from there to the
 * subnet-directed broadcast (with no default route, 255.255.255.255 would fail).
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const sshKeyPair = async (dir: string): Promise<{ privateKey: string; publicKey: string }> => {
  const privateKey = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lab-test', '-f', privateKey]);
  return { privateKey, publicKey: (await readFile(`${privateKey}.pub`, 'utf8')).trim() };
};

/** Run `command` as root on `ip`; never rejects: the exit code is the result (255: no connection). */
export const labSsh = (
  ns: string,
  privateKey: string,
  ip: string,
  command: string,
  onOutput?: (chunk: string) => void,
): Promise<SshResult> =>
  new Promise((resolve) => {
    const opts = [
      '-i',
      privateKey,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'ConnectTimeout=3',
    ];
    const child = spawn('ip', ['netns', 'exec', ns, 'ssh', ...opts, `root@${ip}`, command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onOutput?.(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onOutput?.(d.toString());
    });
    child.once('close', (code) => resolve({ code: code ?? 255, stdout, stderr }));
  });

/** The broadcast address of `subnet` (a.b.c.d/len). */
export const broadcastOf = (subnet: string): string => {
  const [addr = '', len = '24'] = subnet.split('/');
  const n = addr.split('.').reduce((acc, o) => (acc << 8) | Number(o), 0) >>> 0;
  const b = (n | (2 ** (32 - Number(len)) - 1)) >>> 0;
  return [24, 16, 8, 0].map((s) => (b >>> s) & 255).join('.');
};

/** 6x FF then 16x the MAC, to UDP 9 on the subnet's broadcast, from inside `ns`. */
export const sendMagicPacket = async (ns: string, mac: string, subnet: string): Promise<void> => {
  const code = `const s=require('node:dgram').createSocket('udp4');const m=Buffer.from(process.argv[1].replaceAll(':',''),'hex');
s.bind(()=>{s.setBroadcast(true);s.send(Buffer.concat([Buffer.alloc(6,255),...Array(16).fill(m)]),9,process.argv[2],(e)=>{s.close();if(e)throw e;});});`;
  await run('ip', ['netns', 'exec', ns, process.execPath, '-e', code, mac, broadcastOf(subnet)]);
};
