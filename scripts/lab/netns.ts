/**
 * Thin wrappers over iproute2 for the lab: run one command, run a batch in one process (hundreds
 * of namespaces come up in a second instead of a minute), list namespaces, find their processes.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export class LabCommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.trim() || 'failed'}`);
    this.name = 'LabCommandError';
  }
}

export const run = async (cmd: string, args: string[], input?: string): Promise<string> => {
  if (input !== undefined) {
    const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
    if (r.status !== 0)
      throw new LabCommandError(`${cmd} ${args.join(' ')}`, r.stderr || String(r.error ?? ''));
    return r.stdout;
  }
  try {
    const { stdout } = await execFileP(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new LabCommandError(`${cmd} ${args.join(' ')}`, e.stderr ?? e.message);
  }
};

/** `ip [-n ns] -batch -`: many commands, one process. */
export const ipBatch = (lines: string[], ns?: string): Promise<string> =>
  lines.length === 0
    ? Promise.resolve('')
    : run('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], `${lines.join('\n')}\n`);

export const listNamespaces = (): string[] => {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean)
    .sort();
};

export const namespacePids = (ns: string): number[] => {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
};

/** Why the lab cannot run here, or undefined when it can (root and a working `ip netns`). */
/** Whether `cmd` is on the PATH (a peer tool or client a test or benchmark needs). */
export const hasCommand = (cmd: string): boolean =>
  spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;

export const labUnavailableReason = (): string | undefined => {
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'the lab needs root (ip netns, veth, bridge)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` is unavailable (install iproute2)';
  }
  return undefined;
};
