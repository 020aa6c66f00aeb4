/**
 * Which settings a one-shot command reads. Without `--config` and without `DATA_DIR/config.json`
 * it reads the file the daemon running on that data directory was started with (the lab gives
 * its daemon `--config /run/patch-depot-lab/NAME-config.json`): `deploy plan --data-dir` then
 * places hosts in the daemon's groups and rings, not all in `default`. It says so on stderr.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, type LoadConfigOptions, loadConfig } from '../config.js';
import { runningDaemonConfig } from '../store/data-dir-lock.js';

/** Commands whose output no setting changes (setup-code reads one file of the data directory): read the daemon's settings quietly. */
const QUIET = new Set(['setup-code']);

export const settingsLoader = (
  command: string,
  source: LoadConfigOptions,
  say: (line: string) => void,
): (() => Config) => {
  let told = false;
  return () => {
    const config = loadConfig(source);
    if (command === 'serve' || source.file !== undefined) return config;
    if (existsSync(join(config.dataDir, 'config.json'))) return config;
    const running = runningDaemonConfig(config.dataDir);
    if (!running) return config;
    if (!told && !QUIET.has(command))
      say(
        `patch-depot ${command}: settings from ${running}, the file the daemon running on ${config.dataDir} reads (--config FILE for another)\n`,
      );
    told = true;
    return loadConfig({ ...source, file: running });
  };
};
