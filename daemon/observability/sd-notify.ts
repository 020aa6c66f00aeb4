/**
 * Talking to systemd's service manager (sd_notify): READY=1 once every service has started,
 * WATCHDOG=1 from the event loop, STATUS= with one line of health, STOPPING=1 on the way out.
 *
 * Node has no datagram unix sockets, so each message is sent by the `systemd-notify` program
 * (the unit sets NotifyAccess=all: the message comes from a child, not the main PID). Without
 * --no-block, systemd-notify waits until the manager has processed the message (a barrier), so
 * the manager still finds the sender's unit when it reads it. One message is in flight at a time;
 * fields given meanwhile are merged into the next one, so READY=1 is never lost behind a ping.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../log.js';

/** The port: deliver one notification (its fields, as in sd_notify). */
export type NotifySend = (fields: Record<string, string>) => Promise<void>;

/** The real sender: `systemd-notify VAR=VALUE...`, with NOTIFY_SOCKET from the environment. */
export const systemdNotifySend =
  (bin = 'systemd-notify', env: NodeJS.ProcessEnv = process.env): NotifySend =>
  (fields) =>
    new Promise((resolve, reject) => {
      const args = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
      const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`${bin} exited ${code}: ${stderr.trim().slice(0, 200)}`));
      });
    });

/** Sends notifications one at a time, merging what is asked for while one is in flight. */
export class SdNotifier {
  private pending: Record<string, string> | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly send: NotifySend,
    private readonly log: Logger,
  ) {}

  notify(fields: Record<string, string>): void {
    this.pending = { ...this.pending, ...fields };
    if (!this.inFlight) this.inFlight = this.drain();
  }

  /** Resolves once everything asked for so far was sent (or failed). */
  async flushed(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const fields = this.pending;
      this.pending = undefined;
      try {
        await this.send(fields);
        this.failures = 0;
      } catch (err) {
        // Logged once per run of failures: a missing systemd-notify must not flood the journal.
        if (this.failures++ === 0) this.log.warn('could not notify systemd', { err });
      }
    }
    this.inFlight = undefined;
  }
}

/** How often to ping: a third of WATCHDOG_USEC, when the watchdog is meant for this process. */
export const watchdogIntervalMs = (env: NodeJS.ProcessEnv, pid = process.pid): number | undefined => {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 1000 / 3));
};
