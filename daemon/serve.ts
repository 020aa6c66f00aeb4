/**
 * `patch-depot serve`: run the daemon until SIGTERM/SIGINT, then stop every service in reverse.
 * Under systemd (Type=notify) it says READY=1 once every service has started, feeds the watchdog
 * from the event loop and keeps STATUS= on one line of health.
 */
import { DepotApp } from './app.js';
import { AuditLog, auditFile } from './auth/audit-log.js';
import { finishRestore } from './backup/backup.js';
import type { Config, LoadConfigOptions } from './config.js';
import type { Logger } from './log.js';
import { SdNotifier, systemdNotifySend } from './observability/sd-notify.js';
import { healthStatusLine, supervisorFromEnv } from './observability/systemd-supervisor.js';

/** Exit code asking systemd (Restart=on-failure) to start the daemon again: after a restore. */
export const EXIT_RESTART = 75;

/**
 * Whoever started the daemon starts it again after EXIT_RESTART: systemd, or a parent that says
 * so with PATCH_DEPOT_SUPERVISED=1 (the quick start's loop, the lab demo). Then "Restart now"
 * tells the technician to reload the page, not to start the daemon by hand.
 */
export const comesBackAfterRestart = (env: NodeJS.ProcessEnv, underSystemd: boolean): boolean =>
  underSystemd || env.PATCH_DEPOT_SUPERVISED === '1';

/** A restore staged before the stop is swapped in before anything opens the state. */
const swapInRestore = async (config: Config, log: Logger): Promise<void> => {
  const { restored, previous } = await finishRestore(config.dataDir, log);
  if (!restored) return;
  await new AuditLog(auditFile(config.dataDir)).record({
    at: new Date().toISOString(),
    user: '-',
    from: 'the appliance',
    action:
      `state restored from a backup${previous ? `; the state before is kept in ${previous}` : ''}`.slice(
        0,
        200,
      ),
    request: 'restore',
    outcome: 'done',
    status: 200,
  });
};

/** How long a stopped daemon waits for its event loop to empty before it exits anyway. */
export const EXIT_GRACE_MS = 5_000;

/**
 * Exit with `code` once the event loop is empty, not with process.exit(): in Node 24,
 * process.exit() shuts V8's worker threads down while the heap still runs, and a background
 * compile job waiting there for a garbage collection on the main thread never returns: the
 * process hangs at exit for ever (nodejs/node#54918, #64274; seen here in ~1 stop in 5 just
 * after the first assessment, until systemd's TimeoutStopSec kills it). An exit from an empty
 * loop tears the heap down first, which releases such a job. A handle left open (a bug) still
 * ends in process.exit after EXIT_GRACE_MS, naming what kept the loop alive.
 */
export const exitWhenIdle = (code: number, log: Logger, graceMs = EXIT_GRACE_MS): void => {
  process.exitCode = code;
  setTimeout(() => {
    log.warn('still running after the stop; exiting', { open: process.getActiveResourcesInfo() });
    process.exit(code);
  }, graceMs).unref();
};

export const serve = async (config: Config, log: Logger, source?: LoadConfigOptions): Promise<void> => {
  await swapInRestore(config, log);
  const app = new DepotApp(config, log);
  app.configSource = source;
  const systemd = supervisorFromEnv(
    process.env,
    () => new SdNotifier(systemdNotifySend(), log.child('systemd')),
    async () => healthStatusLine(await app.health.problems()),
  );
  let stopping = false;
  let starting: Promise<unknown> = Promise.resolve();
  const shutdown = (signal: string, code = 0): void => {
    if (stopping) {
      log.warn('second signal: exiting without a clean stop', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('stopping', { signal });
    systemd?.stopping();
    // A signal during start-up waits for start() to settle, so stop() sees every started service.
    starting
      .catch(() => {})
      .then(() => app.stop())
      .then(() => systemd?.flushed())
      .then(
        () => exitWhenIdle(code, log),
        (err: unknown) => {
          log.error('stop failed', { err });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  app.restart = () => {
    // After the answer has gone out.
    setTimeout(() => shutdown('restart', EXIT_RESTART), 500);
    return comesBackAfterRestart(process.env, systemd !== undefined);
  };
  systemd?.starting();
  starting = app.start();
  try {
    await starting;
    if (!stopping) await systemd?.ready();
  } catch (err) {
    if (stopping) return; // the signal handler stops and exits
    await app.stop().catch(() => {});
    throw err;
  }
};
