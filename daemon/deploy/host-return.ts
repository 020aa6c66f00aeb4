/**
 * Waiting for a host to come back (after a reboot) or up (after a magic packet): its SSH port is
 * polled with a backoff (1 s, doubling to 15 s) until it accepts a TCP connection or the deadline
 * passes. Time only through the Clock port, the connect through a PortProbe, so the logic is
 * tested with a fake clock; `netPortProbe` is the real one.
 */
import { NetTcpProber } from '../discovery/tcp-connect.js';
import type { Clock } from '../lifecycle.js';
import { StepFailure } from './ports.js';

/** True when `host:port` accepts a TCP connection within `timeoutMs`. */
export type PortProbe = (
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
) => Promise<boolean>;

/** The real probe: discovery's TCP connect (a refused or silent port both count as down). */
export const netPortProbe: PortProbe = async (host, port, timeoutMs, signal) =>
  (await new NetTcpProber().connect(host, port, timeoutMs, signal)) === 'open';

export interface Backoff {
  firstMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 1000, maxMs: 15_000 };

export interface WaitOptions {
  clock: Clock;
  deadlineMs: number;
  backoff?: Backoff | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Call `attempt` until it returns a value, sleeping with backoff between tries and never past the
 * deadline; undefined when the deadline passed first.
 */
export const pollWithBackoff = async <T>(
  attempt: (remainingMs: number) => Promise<T | undefined>,
  opts: WaitOptions,
): Promise<T | undefined> => {
  const { clock, signal } = opts;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const deadline = clock.now() + opts.deadlineMs;
  let delay = backoff.firstMs;
  for (;;) {
    const got = await attempt(Math.max(1, deadline - clock.now()));
    if (got !== undefined) return got;
    const left = deadline - clock.now();
    if (left <= 0) return undefined;
    await clock.sleep(Math.min(delay, left), signal);
    delay = Math.min(delay * 2, backoff.maxMs);
  }
};

/** Resolves once `host:port` accepts connections; an `unreachable` StepFailure at the deadline. */
export const waitForPort = async (
  probe: PortProbe,
  host: string,
  port: number,
  opts: WaitOptions & { connectTimeoutMs?: number },
): Promise<void> => {
  const each = opts.connectTimeoutMs ?? 3000;
  const up = await pollWithBackoff(
    async (left) => ((await probe(host, port, Math.min(each, left), opts.signal)) ? true : undefined),
    opts,
  );
  if (!up) {
    throw new StepFailure(
      'unreachable',
      `${host}:${port} did not accept connections within ${Math.round(opts.deadlineMs / 1000)} s`,
    );
  }
};
