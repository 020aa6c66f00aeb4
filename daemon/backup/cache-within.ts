import { isAbsolute, join, relative, sep } from 'node:path';
import type { Config } from '../config.js';

/** The cache directory relative to the data directory when it lies inside it (a backup skips it). */
export const cacheWithin = (config: Config): string | undefined => {
  const rel = relative(config.dataDir, config.cache.dir ?? join(config.dataDir, 'cache'));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : undefined;
};
