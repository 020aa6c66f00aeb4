/**
 * Boot a root filesystem with systemd-nspawn --boot (its own network namespace: loopback only)
 * and run commands inside it with nsenter. PID 1 on this machine is not systemd; inside the
 * container it is.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '../support/wait-for.js';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Why the nspawn tests cannot run here, or false. */
export const nspawnUnavailableReason = (env: NodeJS.ProcessEnv = process.env): string | false => {
  if (!env.PATCH_DEPOT_SYSTEMD_TESTS)
    return 'builds a Debian root and boots it (minutes): run `npm run test:systemd`';
  if (process.getuid?.() !== 0) return 'needs root (mmdebstrap, systemd-nspawn)';
  for (const [bin, pkg] of [
    ['systemd-nspawn', 'systemd-container'],
    ['mmdebstrap', 'mmdebstrap'],
    ['nsenter', 'util-linux'],
  ] as const) {
    if (spawnSync(bin, ['--version']).status !== 0) return `${bin} not installed (apt-get install ${pkg})`;
  }
  return false;
};

const processTable = (): Map<number, { ppid: number; comm: string }> => {
  const table = new Map<number, { ppid: number; comm: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.set(Number(name), { ppid, comm });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
};

/** The container's PID 1 (systemd), seen from here: a descendant of the nspawn process. */
const containerInit = (nspawnPid: number): number | undefined => {
  const table = processTable();
  for (const [pid, { comm }] of table) {
    if (comm !== 'systemd') continue;
    for (let p = table.get(pid)?.ppid; p !== undefined && p > 1; p = table.get(p)?.ppid) {
      if (p === nspawnPid) return pid;
    }
  }
  return undefined;
};

export class Container {
  private constructor(
    private readonly proc: ChildProcess,
    readonly initPid: number,
    private readonly exited: Promise<number | null>,
  ) {}

  static async boot(root: string, machine: string, consoleLog: string): Promise<Container> {
    const out = createWriteStream(consoleLog, { flags: 'a' });
    const proc = spawn(
      'systemd-nspawn',
      [
        '--boot',
        '--directory',
        root,
        '--machine',
        machine,
        '--register=no',
        '--keep-unit',
        '--private-network',
        '--console=pipe',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.pipe(out, { end: false });
    proc.stderr!.pipe(out, { end: false });
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    let init: number | undefined;
    await waitFor(
      () => {
        if (proc.exitCode !== null)
          throw new Error(`systemd-nspawn exited ${proc.exitCode}: see ${consoleLog}`);
        init = containerInit(proc.pid!);
        return init !== undefined;
      },
      'the container to start systemd',
      60_000,
    );
    return new Container(proc, init!, exited);
  }

  /** Run a shell command inside the container, as root. */
  sh(command: string, timeoutMs = 120_000): Run {
    const r = spawnSync(
      'nsenter',
      [
        '--target',
        String(this.initPid),
        '--mount',
        '--uts',
        '--ipc',
        '--net',
        '--pid',
        '--',
        '/bin/sh',
        '-c',
        command,
      ],
      {
        encoding: 'utf8',
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
        timeout: timeoutMs,
      },
    );
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** `systemctl show` properties of a unit. */
  show(unit: string, ...props: string[]): Record<string, string> {
    const r = this.sh(`systemctl show ${unit} ${props.map((p) => `-p ${p}`).join(' ')}`);
    return Object.fromEntries(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  /** Halt the container (SIGTERM makes nspawn ask systemd for a clean shutdown). */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    await this.exited;
  }
}
