/**
 * The two contracts every long-running part of the daemon shares: a Service that app.ts starts
 * in order and stops in reverse, and the one Clock port. Time is read and waited for only through
 * a Clock, so logic that schedules (the job runner, the scheduler, the cache's retries) is tested
 * with a clock the test moves by hand instead of with sleeps.
 */

export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** The clock's time as a Date, for records and ISO timestamps. */
export const dateOf = (clock: Clock): Date => new Date(clock.now());
