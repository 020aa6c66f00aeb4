/**
 * The daemon's side of systemd supervision: STATUS=starting, then READY=1 once every service has
 * started, then a watchdog ping from an event-loop timer with a one-line health STATUS=, and
 * STOPPING=1 on the way out.
 *
 * The ping is a plain timer on the event loop and nothing else: while the loop runs, systemd is
 * fed; when something wedges the loop (a synchronous loop, a stuck native call) no timer fires,
 * no ping leaves, and after WatchdogSec= systemd kills and restarts the daemon. A degraded health
 * (stale feed, full cache) only changes STATUS=: restarting would not fix it.
 */
import type { Problem } from './health.js';
import { type SdNotifier, watchdogIntervalMs } from './sd-notify.js';

/** One line for `systemctl status`: "healthy", or "degraded: N problems: source: message; ...". */
export const healthStatusLine = (problems: Problem[], max = 200): string => {
  if (problems.length === 0) return 'healthy';
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const detail = problems.map((p) => `${p.source}: ${p.message}`).join('; ');
  const line = `degraded: ${count}: ${detail}`.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

export interface SupervisorOptions {
  notifier: SdNotifier;
  /** Watchdog ping period (a third of WatchdogSec=); undefined: no watchdog, STATUS= only. */
  watchdogMs: number | undefined;
  /** How often STATUS= is refreshed when there is no watchdog to carry it. */
  statusMs: number;
  /** The one-line health summary for STATUS=. */
  status: () => Promise<string>;
}

export class SystemdSupervisor {
  private timer: NodeJS.Timeout | undefined;
  private lastStatus = 'starting';
  private refreshing = false;

  constructor(private readonly opts: SupervisorOptions) {}

  starting(): void {
    this.opts.notifier.notify({ STATUS: 'starting' });
  }

  /** Every service has started: READY=1 with the first health line, then the periodic pings. */
  async ready(): Promise<void> {
    await this.refresh();
    this.opts.notifier.notify({ READY: '1', STATUS: this.lastStatus });
    const period = this.opts.watchdogMs ?? this.opts.statusMs;
    this.timer = setInterval(() => this.tick(), period);
    this.timer.unref();
  }

  stopping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.opts.notifier.notify({ STOPPING: '1', STATUS: 'stopping' });
  }

  /** Resolves once every notification asked for so far has left (before the process exits). */
  flushed(): Promise<void> {
    return this.opts.notifier.flushed();
  }

  /** Runs only when the event loop does: that is what makes the ping mean "alive". */
  private tick(): void {
    const fields: Record<string, string> = { STATUS: this.lastStatus };
    if (this.opts.watchdogMs !== undefined) fields.WATCHDOG = '1';
    this.opts.notifier.notify(fields);
    // The next ping carries the refreshed line; a slow health check never delays a ping.
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      this.lastStatus = await this.opts.status();
    } catch (err) {
      this.lastStatus = `health check failed: ${(err as Error).message}`.slice(0, 200);
    } finally {
      this.refreshing = false;
    }
  }
}

/** The supervisor when systemd started us with a notify socket (Type=notify), else undefined. */
export const supervisorFromEnv = (
  env: NodeJS.ProcessEnv,
  notifier: () => SdNotifier,
  status: () => Promise<string>,
): SystemdSupervisor | undefined => {
  if (!env.NOTIFY_SOCKET) return undefined;
  return new SystemdSupervisor({
    notifier: notifier(),
    watchdogMs: watchdogIntervalMs(env),
    statusMs: 30_000,
    status,
  });
};
