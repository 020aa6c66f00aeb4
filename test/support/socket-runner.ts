/**
 * Send fuzz inputs to a TCP listener, each on a fresh connection (raw-socket.ts), with bounded
 * concurrency and a deadline per connection, and collect what came back. It never throws for what
 * the server does: resets, closes and silence are outcomes for the test to judge. A checkpoint
 * (a health probe) that throws stops the run, and the run throws its error.
 */
import { type After, exchange, type Outcome } from './raw-socket.js';

/** One input of a TCP fuzz run, whatever protocol made it. */
export interface FuzzInput {
  /** Its place in the run (the first is 0). */
  id: number;
  /** Which generator made it, for reports and replay. */
  kind: string;
  /** Written one after another, each in its own write. */
  chunks: Buffer[];
  /** How the client leaves the connection once the input is written. */
  after: After;
  /** With `reset`: how many answer bytes to read first. */
  resetAfterBytes?: number;
}

export interface FuzzOutcome {
  id: number;
  kind: string;
  after: After;
  end: Outcome['end'];
  /** Status of the first answer, when one came back. */
  status?: number;
  received: number;
  error?: string;
}

export interface FuzzRunOptions {
  port: number;
  host?: string;
  /** Connections in flight at once. */
  concurrency: number;
  /** Longest time one connection may take, answer included. */
  deadlineMs: number;
  /** How long inputs that leave the connection open (all but `end`) keep it at most. */
  holdMs?: number;
  /** Run after every `every` inputs, e.g. to check the listener is still healthy. */
  checkpoint?: { every: number; run: (done: number) => Promise<void> };
}

/**
 * Only a client that half-closes and reads (`end`) waits the full deadline for the server to close.
 * Every other ending keeps its side open, or never reads, on purpose: the server may rightly keep
 * waiting (a truncated request, a kept-alive connection), so it is held for `holdMs` at most.
 */
const deadlineOf = (after: After, opts: FuzzRunOptions): number =>
  after === 'end' ? opts.deadlineMs : Math.min(opts.holdMs ?? 250, opts.deadlineMs);

/** A half-closed input whose server neither answered to the end nor closed by the deadline. */
export const timedOut = (o: FuzzOutcome): boolean => o.end === 'deadline' && o.after === 'end';

const sendOne = async (input: FuzzInput, opts: FuzzRunOptions): Promise<FuzzOutcome> => {
  const { id, kind, after } = input;
  const o = await exchange(input.chunks, {
    port: opts.port,
    host: opts.host,
    after,
    resetAfterBytes: input.resetAfterBytes,
    deadlineMs: deadlineOf(after, opts),
  });
  // The reply itself is dropped: ten thousand of them need not sit in memory.
  return {
    id,
    kind,
    after,
    end: o.end,
    ...(o.status === undefined ? {} : { status: o.status }),
    received: o.reply.length,
    ...(o.error === undefined ? {} : { error: o.error }),
  };
};

/** Send every input, `concurrency` connections at a time; outcomes in input order. */
export const runFuzzInputs = async (
  inputs: Iterable<FuzzInput>,
  opts: FuzzRunOptions,
): Promise<FuzzOutcome[]> => {
  const source = inputs[Symbol.iterator]();
  const outcomes: FuzzOutcome[] = [];
  let taken = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  let checking: Promise<void> = Promise.resolve();
  const checkpoint = (n: number) =>
    opts.checkpoint?.run(n).catch((error: unknown) => {
      failure ??= { error };
    });
  const worker = async () => {
    while (!failure) {
      const next = source.next();
      if (next.done) return;
      const at = taken++;
      outcomes[at] = await sendOne(next.value, opts);
      done++;
      if (opts.checkpoint && done % opts.checkpoint.every === 0) {
        const n = done;
        checking = checking.then(() => checkpoint(n));
        await checking;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  await checking;
  if (failure) throw failure.error;
  return outcomes;
};

/** One line for a test's diagnostics: answers by status, and how many were still open at the deadline. */
export const fuzzSummary = (outcomes: readonly FuzzOutcome[]): string => {
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) {
    const key = String(o.status ?? '-');
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  const open = outcomes.filter(timedOut).length;
  return `${outcomes.length} inputs; answers by status ${JSON.stringify(byStatus)}; ${open} still open at the deadline`;
};
