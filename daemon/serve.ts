/** `patch-depot serve`: run the daemon until SIGTERM/SIGINT, then stop every service in reverse. */
import { DepotApp } from './app.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';

export const serve = async (config: Config, log: Logger): Promise<void> => {
  const app = new DepotApp(config, log);
  let stopping = false;
  let starting: Promise<unknown> = Promise.resolve();
  const shutdown = (signal: string): void => {
    if (stopping) {
      log.warn('second signal: exiting without a clean stop', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('stopping', { signal });
    // A signal during start-up waits for start() to settle, so stop() sees every started service.
    starting
      .catch(() => {})
      .then(() => app.stop())
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
  starting = app.start();
  try {
    await starting;
  } catch (err) {
    if (stopping) return; // the signal handler stops and exits
    await app.stop().catch(() => {});
    throw err;
  }
};
