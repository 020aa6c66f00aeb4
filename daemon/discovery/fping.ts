/**
 * ICMP sweep with fping: one process for the whole scope, targets on stdin, an inter-packet
 * interval derived from the packets-per-second cap. fping exits 1 when some targets are
 * unreachable, which is the normal case of a sweep.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { IcmpSweeper, IcmpSweepOptions } from './ports.js';

export const fpingPath = (): string | undefined => {
  for (const p of ['/usr/bin/fping', '/usr/sbin/fping', '/bin/fping']) {
    if (spawnSync(p, ['-v'], { stdio: 'ignore' }).status === 0) return p;
  }
  return undefined;
};

/** `10.0.0.5 is alive (0.12 ms)` with -a -e... we use `-e` lines: `10.0.0.5 is alive (0.12 ms)`. */
const LINE = /^(\d+\.\d+\.\d+\.\d+) is alive(?: \(([\d.]+) ms\))?/;

export const parseFpingOutput = (text: string): Map<string, number> => {
  const alive = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (m) alive.set(m[1]!, m[2] ? Number(m[2]) : 0);
  }
  return alive;
};

export class FpingSweeper implements IcmpSweeper {
  readonly name = 'fping';
  constructor(private readonly bin: string) {}

  sweep(addresses: string[], opts: IcmpSweepOptions): Promise<Map<string, number>> {
    if (addresses.length === 0) return Promise.resolve(new Map());
    // fping takes fractional milliseconds; 0.1 ms (10,000 pps) is the floor we allow.
    const interval = Math.max(0.1, 1000 / opts.packetsPerSecond).toFixed(2);
    // A retry waits as long as the first try (-B 1, fping's default backs off 1.5x): on a LAN a
    // live host answers in milliseconds, and a dead one's ping never leaves the appliance (its ARP
    // goes unanswered, so the retry only waits longer). The wait for a dead address is what bounds
    // a sweep: -B 1.5 made it 150 + 225 ms at the defaults, -B 1 makes it 150 + 150 ms, which still
    // leaves a sleepy Wi-Fi device (ARP answered by its AP's wake-up) a retry and 300 ms.
    const args = [
      '-e',
      '-t',
      String(opts.timeoutMs),
      '-r',
      String(opts.retries),
      '-i',
      String(interval),
      '-B',
      '1',
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const abort = (): void => {
        child.kill('SIGTERM');
      };
      opts.signal?.addEventListener('abort', abort, { once: true });
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      child.once('error', reject);
      child.once('close', (code) => {
        opts.signal?.removeEventListener('abort', abort);
        if (opts.signal?.aborted) return reject(opts.signal.reason);
        // 0: all alive, 1: some unreachable; 2+ is a real failure (bad args, no permission). fping
        // also exits 1 when it refuses its options, but then it reported no target at all.
        const reported = /is (alive|unreachable)/.test(out);
        if (code !== 0 && (code !== 1 || !reported))
          return reject(new Error(`fping exited ${code}: ${err.trim().slice(0, 300) || 'no output'}`));
        resolve(parseFpingOutput(out));
      });
      // fping may exit before reading its targets (bad options): the close handler reports that.
      child.stdin.on('error', () => {});
      // fping reads every target before its first packet: holding them back holds the sweep.
      const targets = `${addresses.join('\n')}\n`;
      void Promise.resolve(opts.ready)
        .catch(() => {})
        .then(() => child.stdin.end(targets));
    });
  }
}
