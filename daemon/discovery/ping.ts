/**
 * Fallback ICMP sweep without fping: iputils `ping -c 1` per address, bounded concurrency and
 * paced to the packets-per-second cap. Slower (a process per address) but works wherever ping does,
 * including unprivileged ping sockets.
 */
import { execFile, spawnSync } from 'node:child_process';
import { Pacer } from './pacer.js';
import type { IcmpSweeper, IcmpSweepOptions } from './ports.js';

export const pingPath = (): string | undefined => {
  for (const p of ['/usr/bin/ping', '/bin/ping']) {
    if (spawnSync(p, ['-V'], { stdio: 'ignore' }).status === 0) return p;
  }
  return undefined;
};

export class PingSweeper implements IcmpSweeper {
  readonly name = 'ping';
  constructor(
    private readonly bin: string,
    private readonly concurrency = 32,
  ) {}

  private one(ip: string, opts: IcmpSweepOptions): Promise<number | undefined> {
    const waitS = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
    return new Promise((resolve) => {
      execFile(
        this.bin,
        ['-n', '-c', String(1 + opts.retries), '-i', '0.2', '-W', String(waitS), ip],
        { signal: opts.signal, encoding: 'utf8' },
        (err, stdout) => {
          const rtt = /time=([\d.]+) ms/.exec(stdout ?? '');
          resolve(rtt ? Number(rtt[1]) : err ? undefined : 0);
        },
      );
    });
  }

  async sweep(addresses: string[], opts: IcmpSweepOptions): Promise<Map<string, number>> {
    await Promise.resolve(opts.ready).catch(() => {});
    const alive = new Map<string, number>();
    const pacer = new Pacer(opts.packetsPerSecond);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < addresses.length && !opts.signal?.aborted) {
        const ip = addresses[next++]!;
        await pacer.take();
        const rtt = await this.one(ip, opts);
        if (rtt !== undefined) alive.set(ip, rtt);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, addresses.length) }, worker));
    return alive;
  }
}
