/**
 * One raw TCP exchange with a listener on loopback: write bytes exactly as given (no HTTP client
 * cleaning them up), then read, half-close, reset or walk away, and report what came back. Every
 * exchange ends by its deadline, so a server that never answers is an outcome, not a hang.
 */
import { connect } from 'node:net';

/** What the client does once its input is written. */
export type After =
  /** Keep the socket open and read until the server closes it. */
  | 'read'
  /** Half-close (FIN) and read until the server closes. */
  | 'end'
  /** Half-close and never read: the server's answer piles up unread. */
  | 'end-unread'
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
  /** How the exchange ended: the server closed, the connection failed, we reset, or time ran out. */
  end: 'closed' | 'error' | 'reset' | 'deadline';
  /** The HTTP status of the first answer, when one came. */
  status: number | undefined;
  reply: Buffer;
  error?: string;
}

const statusOf = (reply: Buffer): number | undefined => {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply.subarray(0, 16).toString('latin1'));
  return m ? Number(m[1]) : undefined;
};

export const exchange = (input: Buffer | string, opts: ExchangeOptions): Promise<Outcome> =>
  new Promise((resolve) => {
    const parts: Buffer[] = [];
    let received = 0;
    const socket = connect(opts.port, opts.host ?? '127.0.0.1');
    const finish = (end: Outcome['end'], error?: string) => {
      clearTimeout(timer);
      socket.destroy();
      const reply = Buffer.concat(parts);
      resolve({ end, status: statusOf(reply), reply, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish('deadline'), opts.deadlineMs ?? 5000);
    const resetAt = opts.resetAfterBytes ?? 0;
    const reset = () => {
      clearTimeout(timer);
      socket.resetAndDestroy();
      const reply = Buffer.concat(parts);
      resolve({ end: 'reset', status: statusOf(reply), reply });
    };
    socket.on('error', (err: NodeJS.ErrnoException) => finish('error', err.code ?? err.message));
    socket.on('close', () => finish('closed'));
    socket.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      received += chunk.length;
      if (opts.after === 'reset' && received >= resetAt) reset();
    });
    socket.on('connect', () => {
      socket.write(input);
      if (opts.after === 'end' || opts.after === 'end-unread') socket.end();
      if (opts.after === 'end-unread') socket.pause();
      if (opts.after === 'reset' && resetAt === 0) reset();
    });
  });
