/**
 * Send fuzz inputs over raw TCP, each on a fresh connection, with bounded concurrency and a
 * deadline per connection, and collect what came back. It never throws for what the server does:
 * resets, closes and silence are outcomes to report, not errors.
 */
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FuzzInput } from './http-fuzz.js';

export interface FuzzTarget {
  host: string;
  port: number;
}

export interface FuzzOutcome {
  id: number;
  kind: string;
  /** Status of the first response, when one came back. */
  status?: number;
  received: number;
  /** The connection was still open at the deadline. */
  timedOut: boolean;
  error?: string;
}

export interface RunOptions {
  concurrency: number;
  /** Longest time one connection may take, answer included. */
  deadlineMs: number;
  /** How long a 'hold' input stays silent before it drops the connection. */
  holdMs?: number;
  /** Called after every `every` inputs, e.g. to check that the target is still healthy. */
  checkpoint?: { every: number; run: (done: number) => Promise<void> };
}

const writeAll = async (socket: Socket, chunks: Buffer[]): Promise<void> => {
  for (const chunk of chunks) {
    if (socket.destroyed) return;
    socket.write(chunk);
    // Let each chunk go out on its own (fragmented inputs reach the parser piecewise).
    if (chunks.length > 1) await nextTurn();
  }
};

export const sendOne = (input: FuzzInput, target: FuzzTarget, opts: RunOptions): Promise<FuzzOutcome> =>
  new Promise((resolve) => {
    const outcome: FuzzOutcome = { id: input.id, kind: input.kind, received: 0, timedOut: false };
    const socket = connect({ host: target.host, port: target.port });
    let head = '';
    const finish = () => {
      clearTimeout(deadline);
      socket.destroy();
      resolve(outcome);
    };
    const deadline = setTimeout(() => {
      outcome.timedOut = input.ending !== 'hold';
      finish();
    }, opts.deadlineMs);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      outcome.error ??= err.code ?? err.message;
    });
    socket.on('close', finish);
    socket.on('data', (data: Buffer) => {
      outcome.received += data.length;
      if (outcome.status === undefined && head.length < 32) {
        head += data.toString('latin1', 0, 32);
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (m) outcome.status = Number(m[1]);
      }
      if (input.ending === 'read') finish();
    });
    socket.once('connect', () => {
      void writeAll(socket, input.chunks).then(() => {
        switch (input.ending) {
          case 'half-close':
            socket.end();
            break;
          case 'reset':
            socket.resetAndDestroy();
            break;
          case 'abandon':
            finish();
            break;
          case 'hold':
            setTimeout(finish, opts.holdMs ?? 200);
            break;
          case 'read':
            break;
        }
      });
    });
  });

/** Send every input, `concurrency` connections at a time; outcomes in input order. */
export const runFuzzInputs = async (
  inputs: readonly FuzzInput[],
  target: FuzzTarget,
  opts: RunOptions,
): Promise<FuzzOutcome[]> => {
  const outcomes: FuzzOutcome[] = new Array(inputs.length);
  let next = 0;
  let done = 0;
  let checking: Promise<void> = Promise.resolve();
  const worker = async () => {
    while (next < inputs.length) {
      const at = next++;
      outcomes[at] = await sendOne(inputs[at]!, target, opts);
      done++;
      if (opts.checkpoint && done % opts.checkpoint.every === 0) {
        checking = checking.then(() => opts.checkpoint!.run(done));
        await checking;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  await checking;
  return outcomes;
};
