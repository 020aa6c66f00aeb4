/**
 * One raw TCP exchange with a listener on loopback: write bytes exactly as given (no HTTP client
 * cleaning them up), then read, half-close, drop, reset or walk away, and report what came back.
 * Every exchange ends by its deadline, so a server that never answers is an outcome, not a hang.
 * The fuzz runner (socket-runner.ts) runs thousands of these.
 */
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** What the client does once its input is written. */
export type After =
  /** Keep the socket open (no FIN) and read until the server closes it. */
  | 'read'
  /** Half-close (FIN) and read until the server closes. */
  | 'end'
  /** Half-close and never read: the server's answer piles up unread. */
  | 'end-unread'
  /** Read the first bytes of an answer, then close. */
  | 'drop'
  /** Close right after writing, without reading a byte. */
  | 'abandon'
  /** Read until `resetAfterBytes` arrived (0: at once), then send a TCP RST. */
  | 'reset';

export interface ExchangeOptions {
  port: number;
  host?: string;
  after: After;
  resetAfterBytes?: number;
  /** Give up (and destroy the socket) after this long. */
  deadlineMs?: number;
}

export interface Outcome {
  /**
   * How the exchange ended: the server closed, the connection failed, we reset, we closed first
   * (`drop`, `abandon`), or time ran out.
   */
  end: 'closed' | 'error' | 'reset' | 'dropped' | 'deadline';
  /** The HTTP status of the first answer, when one came. */
  status: number | undefined;
  reply: Buffer;
  error?: string;
}

const statusOf = (reply: Buffer): number | undefined => {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply.subarray(0, 16).toString('latin1'));
  return m ? Number(m[1]) : undefined;
};

/** Several chunks go out one per turn, so a fragmented input reaches the parser piecewise. */
const writeAll = async (socket: Socket, chunks: readonly Buffer[]): Promise<void> => {
  for (const [i, chunk] of chunks.entries()) {
    if (socket.destroyed) return;
    if (i > 0) await nextTurn();
    socket.write(chunk);
  }
};

/** Write `input` (one buffer, or chunks written one after another) and end as `opts.after` says. */
export const exchange = (
  input: Buffer | string | readonly Buffer[],
  opts: ExchangeOptions,
): Promise<Outcome> =>
  new Promise((resolve) => {
    const chunks =
      typeof input === 'string' ? [Buffer.from(input, 'latin1')] : Buffer.isBuffer(input) ? [input] : input;
    const parts: Buffer[] = [];
    let received = 0;
    let settled = false;
    const socket = connect(opts.port, opts.host ?? '127.0.0.1');
    const finish = (end: Outcome['end'], error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (end === 'reset') socket.resetAndDestroy();
      else socket.destroy();
      const reply = Buffer.concat(parts);
      resolve({ end, status: statusOf(reply), reply, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish('deadline'), opts.deadlineMs ?? 5000);
    const resetAt = opts.resetAfterBytes ?? 0;
    socket.on('error', (err: NodeJS.ErrnoException) => finish('error', err.code ?? err.message));
    socket.on('close', () => finish('closed'));
    socket.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      received += chunk.length;
      if (opts.after === 'reset' && received >= resetAt) finish('reset');
      if (opts.after === 'drop') finish('dropped');
    });
    const written = () => {
      if (settled) return;
      if (opts.after === 'end' || opts.after === 'end-unread') socket.end();
      if (opts.after === 'end-unread') socket.pause();
      if (opts.after === 'abandon') finish('dropped');
      if (opts.after === 'reset' && resetAt === 0) finish('reset');
    };
    socket.on('connect', () => void writeAll(socket, chunks).then(written));
  });
