/**
 * For kill -9 durability tests: run a writer script (`node --import tsx SCRIPT ...args`) that prints
 * `ack N` after each durable write, SIGKILL it once `killAfterAcks` acks arrived, and resolve with
 * the acknowledged numbers. `onLine` sees every other line (e.g. `port N` to drive the child).
 */
import { spawn } from 'node:child_process';

export interface KillOptions {
  onLine?: (line: string) => void;
  /** Also kill as soon as a line matches (the child says it is mid-step). */
  killOn?: RegExp;
  /** Also kill this many ms after the first ack (a moment anywhere in the child's work). */
  killAfterMs?: number;
  /** Node flags before the script; default `--import tsx` (a bundled .mjs needs none). */
  execArgv?: string[];
}

export const runAndKill = (
  script: string,
  args: string[],
  killAfterAcks: number,
  opts: KillOptions = {},
): Promise<number[]> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...(opts.execArgv ?? ['--import', 'tsx']), script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: number[] = [];
    let buffer = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ack ')) {
          if (!acked.length && opts.killAfterMs !== undefined)
            setTimeout(() => proc.kill('SIGKILL'), opts.killAfterMs);
          acked.push(Number(line.slice(4)));
        } else opts.onLine?.(line);
        if (opts.killOn?.test(line)) proc.kill('SIGKILL');
      }
      if (acked.length >= killAfterAcks) proc.kill('SIGKILL');
    });
    proc.on('error', reject);
    proc.on('exit', (_code, signal) =>
      signal === 'SIGKILL'
        ? resolve(acked)
        : reject(new Error(`${script} exited without being killed (${signal})`)),
    );
  });
