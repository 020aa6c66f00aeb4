/**
 * The kernel neighbour (ARP) table, read in bulk. node-arp spawns `ping` and `arp` once per
 * address, which for a /24 means 512 processes; one `ip -json neigh` call (or /proc/net/arp when
 * iproute2 is missing) reads every entry at once, with its NUD state.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { NeighbourEntry, NeighbourTable } from './ports.js';

const execFileP = promisify(execFile);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const parseIpNeighJson = (text: string): NeighbourEntry[] => {
  const rows = JSON.parse(text || '[]') as Array<{
    dst?: string;
    dev?: string;
    lladdr?: string;
    state?: string[];
  }>;
  return rows
    .filter((r) => r.dst?.includes('.') && r.lladdr && MAC.test(r.lladdr.toLowerCase()))
    .map((r) => ({
      ip: r.dst!,
      mac: r.lladdr!.toLowerCase(),
      state: r.state?.[0] ?? 'UNKNOWN',
      ...(r.dev ? { dev: r.dev } : {}),
    }))
    .filter((r) => r.mac !== '00:00:00:00:00:00');
};

/**
 * /proc/net/arp: flags 0x2 = complete, 0x4 = permanent. No NUD state there, so complete entries
 * count as REACHABLE (true right after a sweep that began by forgetting the scope's entries).
 */
export const parseProcNetArp = (text: string): NeighbourEntry[] =>
  text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 4 && (Number.parseInt(f[2] ?? '0', 16) & 2) !== 0)
    .map((f) => ({
      ip: f[0]!,
      mac: f[3]!.toLowerCase(),
      state: Number.parseInt(f[2] ?? '0', 16) & 4 ? 'PERMANENT' : 'REACHABLE',
      dev: f[5] ?? '',
    }))
    .filter((e) => MAC.test(e.mac) && e.mac !== '00:00:00:00:00:00');

export class KernelNeighbourTable implements NeighbourTable {
  async read(): Promise<NeighbourEntry[]> {
    try {
      const { stdout } = await execFileP('ip', ['-json', '-4', 'neigh', 'show'], { encoding: 'utf8' });
      return parseIpNeighJson(stdout);
    } catch {
      return parseProcNetArp(await readFile('/proc/net/arp', 'utf8'));
    }
  }

  /** /proc/net/arp: no process to start, but no NUD state (see parseProcNetArp). */
  async readQuick(): Promise<NeighbourEntry[]> {
    return parseProcNetArp(await readFile('/proc/net/arp', 'utf8'));
  }

  async forget(entries: NeighbourEntry[]): Promise<void> {
    const lines = entries
      .filter((e) => e.dev && /^[\w.@:-]{1,15}$/.test(e.dev))
      .map((e) => `neigh del ${e.ip} dev ${e.dev}`);
    if (lines.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      // -force: carry on past entries that vanished meanwhile (the kernel expires failed ones);
      // those report "No such file or directory", which is success for us. Anything else is not.
      const child = execFile('ip', ['-force', '-batch', '-'], (err, _stdout, stderr) => {
        const problems = String(stderr ?? '')
          .split('\n')
          .filter((l) => l.trim() && !/No such file or directory|^Command failed/i.test(l));
        if (err && (problems.length || (err as NodeJS.ErrnoException).code === 'ENOENT')) {
          reject(new Error(problems[0] ?? err.message));
        } else resolve();
      });
      child.stdin?.end(`${lines.join('\n')}\n`);
    });
  }
}
