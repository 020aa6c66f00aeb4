/**
 * Start a long-running repository entry point inside a lab namespace (the daemon, a bridge, a
 * feed server) and resolve once its stdout matches `ready`; `stop()` sends SIGTERM and waits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

export interface Background {
  child: ChildProcess;
  /** The match of `ready` in stdout. */
  ready: RegExpExecArray;
  stop(): Promise<void>;
  /** The last 64 KiB the process wrote (stdout and stderr), for a failing test to show. */
  tail(): string;
}

const TAIL_BYTES = 64 * 1024;

/**
 * The daemon as the lab tests run it: from source (tsx), or with PATCH_DEPOT_LAB_BUILT=1 the
 * built bundle (`npm run build` first), to check the appliance's build against a whole site.
 */
const program = (args: string[]): string[] =>
  args[0] === 'daemon/main.ts' && process.env.PATCH_DEPOT_LAB_BUILT === '1'
    ? [process.execPath, 'dist/daemon/main.js', ...args.slice(1)]
    : [process.execPath, '--import', 'tsx', ...args];

export const startInNamespace = (
  ns: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<Background> => startProgramInNamespace(ns, program(args), ready, env, timeoutMs);

/** The same for any program (`argv[0]` and its arguments), e.g. node on compiled JavaScript. */
export const startProgramInNamespace = (
  ns: string,
  argv: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<Background> =>
  new Promise((resolve, reject) => {
    const args = argv.slice(1);
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${args.join(' ')}: not ready within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (!m) return;
      clearTimeout(timer);
      out = '';
      // Keep draining both pipes (keeping only a tail) so the child never blocks on one.
      let tail = '';
      for (const stream of [child.stdout!, child.stderr!]) {
        stream.removeAllListeners('data');
        stream.on('data', (d: Buffer) => {
          tail = (tail + d.toString()).slice(-TAIL_BYTES);
        });
      }
      resolve({ child, ready: m, stop, tail: () => tail });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}\n${err}`));
    });
  });
