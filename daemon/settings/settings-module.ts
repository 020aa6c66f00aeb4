/** Builds the settings service over the config file the daemon was started with. */
import { join } from 'node:path';
import type { AuditLog } from '../auth/audit-log.js';
import type { Config, LoadConfigOptions } from '../config.js';
import type { Logger } from '../log.js';
import { type LiveTargets, SettingsService } from './settings-service.js';

/**
 * `source` is how the config was loaded (serve passes its own); without it, as a test's app is
 * built: `<dataDir>/config.json` and no environment.
 */
export const createSettingsService = (
  config: Config,
  source: LoadConfigOptions | undefined,
  live: () => LiveTargets,
  audit: AuditLog,
  log: Logger,
): SettingsService => {
  const opts = source ?? { env: {}, overrides: { dataDir: config.dataDir } };
  const dataDir = typeof opts.overrides?.dataDir === 'string' ? opts.overrides.dataDir : config.dataDir;
  const file = opts.file ?? join(opts.env.PATCH_DEPOT_DATA_DIR ?? dataDir, 'config.json');
  return new SettingsService({ source: { ...opts, file }, live, audit, log });
};
