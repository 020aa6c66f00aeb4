/** atftp, the TFTP client with blksize/windowsize/tsize options, as the tests run it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The block sizes and window sizes every real-client test covers: RFC 1350 plain and the fast path. */
export const BLOCK_AND_WINDOW = [
  [512, 1],
  [1468, 1],
  [512, 16],
  [1468, 16],
] as const;

export interface AtftpGet {
  server: string;
  port: number;
  file: string;
  out: string;
  options?: Record<string, string | number>;
  /** Run inside this network namespace (a lab host). */
  ns?: string;
  timeoutSeconds?: number;
  /**
   * atftp's own re-ACK timer (default 5 s), set without sending a `timeout` option: atftp
   * re-ACKs a repeated block only once and then waits for this timer (tftp_file.c, `extra_ack`),
   * so under loss a lost ACK and a lost extra ACK stall it this long. Only the interactive
   * `timeout` command sets it, so the fetch then runs atftp with commands on stdin.
   */
  clientTimerSeconds?: number;
}

/** atftp in interactive mode: the same fetch as commands on stdin, with its re-ACK timer set. */
const interactive = async (o: AtftpGet & { clientTimerSeconds: number }): Promise<void> => {
  const commands = [
    `timeout ${o.clientTimerSeconds}`,
    ...Object.entries(o.options ?? {}).map(([k, v]) => `option ${k} ${v}`),
    'mode octet',
    `get ${o.file} ${o.out}`,
    'quit',
  ];
  const command = ['timeout', String(o.timeoutSeconds ?? 120), 'atftp', o.server, String(o.port)];
  const [cmd, ...args] = o.ns ? ['ip', 'netns', 'exec', o.ns, ...command] : command;
  const running = run(cmd!, args, { maxBuffer: 16 << 20 });
  running.child.stdin?.end(`${commands.join('\n')}\n`);
  await running;
};

/**
 * Fetch `file` with atftp; rejects with atftp's own output if it fails (in interactive mode,
 * with `clientTimerSeconds`, atftp exits 0 either way: check the bytes).
 */
export const atftpGet = async (o: AtftpGet): Promise<void> => {
  if (o.clientTimerSeconds !== undefined)
    return interactive({ ...o, clientTimerSeconds: o.clientTimerSeconds });
  const options = Object.entries(o.options ?? {}).flatMap(([k, v]) => ['--option', `${k} ${v}`]);
  const command = [
    'timeout',
    String(o.timeoutSeconds ?? 120),
    'atftp',
    ...options,
    '-g',
    '-r',
    o.file,
    '-l',
    o.out,
    o.server,
    String(o.port),
  ];
  const [cmd, ...args] = o.ns ? ['ip', 'netns', 'exec', o.ns, ...command] : command;
  await run(cmd!, args, { maxBuffer: 16 << 20 });
};
