/**
 * Start the real `patch-depot serve` as a child process on a free loopback port and wait until it
 * says it is listening (its JSON log line), polling with a deadline rather than sleeping.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../../daemon/main.ts', import.meta.url));

export interface RunningDaemon {
  url: string;
  proc: ChildProcess;
  logs: Array<Record<string, unknown>>;
  /** Everything the daemon wrote to stderr so far (a library's console.error lands here). */
  stderr(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export const spawnDaemon = (
  dataDir: string,
  extraArgs: string[] = [],
  timeoutMs = 20_000,
  env: NodeJS.ProcessEnv = {},
  /** Another build to run (a packaged one): its node and its main.js, without tsx. */
  program?: { node: string; main: string },
): Promise<RunningDaemon> =>
  new Promise((resolve, reject) => {
    const proc = spawn(
      program?.node ?? process.execPath,
      [
        ...(program ? [program.main] : ['--import', 'tsx', main]),
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        ...extraArgs,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PATCH_DEPOT_LOG_FORMAT: 'json', PATCH_DEPOT_CACHE_PROXY_PORT: '0', ...env },
      },
    );
    const logs: Array<Record<string, unknown>> = [];
    let stderr = '';
    let buffer = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`daemon did not start within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        // A library may print a plain line to stdout (console.info); keep it, flagged.
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = { level: 'unstructured', msg: line };
        }
        logs.push(entry);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve({
            url: String(entry.url).replace('localhost', '127.0.0.1'),
            proc,
            logs,
            stderr: () => stderr,
            stop: async () => {
              if (proc.exitCode === null) proc.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
