/**
 * `patch-depot serve`: run the daemon until SIGTERM/SIGINT, then stop every service in reverse.
 * Under systemd (Type=notify) it says READY=1 once every service has started, feeds the watchdog
 * from the event loop and keeps STATUS= on one line of health.
 */
import { DepotApp } from './app.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { SdNotifier, systemdNotifySend } from './observability/sd-notify.js';
import { healthStatusLine, supervisorFromEnv } from './observability/systemd-supervisor.js';

export const serve = async (config: Config, log: Logger): Promise<void> => {
  const app = new DepotApp(config, log);
  const systemd = supervisorFromEnv(
    process.env,
    () => new SdNotifier(systemdNotifySend(), log.child('systemd')),
    async () => healthStatusLine(await app.health.problems()),
  );
  let stopping = false;
  let starting: Promise<unknown> = Promise.resolve();
  const shutdown = (signal: string): void => {
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
        () => process.exit(0),
        (err: unknown) => {
          log.error('stop failed', { err });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
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
