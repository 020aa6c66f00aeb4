/**
 * The two TFTP servers of the benchmark, each started inside the lab's appliance namespace on
 * the appliance's lab address only: tftpd-hpa's `in.tftpd` and our TFTP service (serve.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { run } from '../../scripts/lab/netns.js';
import { waitFor } from '../../test/support/wait-for.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerSpec {
  ns: string;
  address: string;
  port: number;
  /** The directory served (readable by `nobody`: in.tftpd drops to it). */
  root: string;
  /** Our server keeps its transfer log here. */
  dataDir: string;
  /** The one client address allowed (ours; tftpd-hpa has no allow-list of its own). */
  client: string;
}

export interface RunningServer {
  pid: number;
  stop(): Promise<void>;
}

const launch = (ns: string, argv: string[]): { child: ChildProcess; output: () => string } => {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (d: Buffer) => {
      output = `${output}${d.toString()}`.slice(-4000);
    });
  }
  return { child, output: () => output };
};

const started = async (
  what: string,
  proc: ReturnType<typeof launch>,
  ready: () => boolean | Promise<boolean>,
): Promise<RunningServer> => {
  const { child } = proc;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${what} exited: ${proc.output().trim()}`);
      return ready();
    },
    `${what} to listen`,
    60_000,
  );
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};

/** `in.tftpd --listen` bound to the lab address; it forks one child per transfer. */
export const startTftpdHpa = (s: ServerSpec, binary: string): Promise<RunningServer> => {
  const argv = [binary, '--foreground', '--listen', '--address', `${s.address}:${s.port}`];
  const proc = launch(s.ns, [...argv, '--user', 'nobody', '--secure', s.root]);
  const bound = async (): Promise<boolean> =>
    (await run('ip', ['netns', 'exec', s.ns, 'ss', '-Hnul', `sport = :${s.port}`])).includes(s.address);
  return started('in.tftpd', proc, bound);
};

/**
 * serve.ts compiled to one plain JavaScript file in `dir`, so node runs it as it runs the built
 * daemon (dist/): without the tsx loader, which alone adds ~45 MB of RSS.
 */
export const bundleServe = async (dir: string): Promise<string> => {
  const outfile = join(dir, 'serve.mjs');
  await build({
    entryPoints: [join(repo, 'bench/tftp/serve.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    // Bundled CommonJS dependencies still call require().
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
};

/** Our TFTP service in its own node process (serve.ts, bundled by bundleServe). */
export const startPatchDepot = (s: ServerSpec, bundle: string): Promise<RunningServer> => {
  const args = [s.dataDir, s.root, s.address, String(s.port), s.client];
  const proc = launch(s.ns, [
    process.execPath,
    ...(process.env.BENCH_TFTP_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_TFTP_PROFILE}`]
      : []),
    bundle,
    ...args,
  ]);
  return started('patch-depot tftp', proc, () => /ready \d+/.test(proc.output()));
};
