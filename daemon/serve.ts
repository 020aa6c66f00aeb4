/** `patch-depot serve`: run the daemon until SIGTERM/SIGINT, then stop every service in reverse. */
import { DepotApp } from './app.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';

export const serve = async (config: Config, log: Logger): Promise<void> => {
  const app = new DepotApp(config, log);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      log.warn('second signal: exiting without a clean stop', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('stopping', { signal });
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('stop failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await app.start();
  } catch (err) {
    await app.stop();
    throw err;
  }
};
