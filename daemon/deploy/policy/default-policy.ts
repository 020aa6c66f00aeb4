/** A deployment's policy before the site's settings and the request change it. */
import type { DeployPolicy } from '../deployment.js';
import { DEFAULT_CONCURRENCY, DEFAULT_GATE } from './rings.js';
import { DEFAULT_SPREAD_MS } from './windows.js';

export const defaultPolicy = (concurrency = DEFAULT_CONCURRENCY): DeployPolicy => ({
  concurrency,
  batchSize: concurrency,
  batchFailureThreshold: 0,
  gate: { ...DEFAULT_GATE },
  windows: {},
  reboot: {},
  rules: [],
  spreadMs: DEFAULT_SPREAD_MS,
  now: false,
});
