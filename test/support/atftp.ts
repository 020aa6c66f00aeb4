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
}

/** Fetch `file` with atftp; rejects with atftp's own output if it fails. */
export const atftpGet = async (o: AtftpGet): Promise<void> => {
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
