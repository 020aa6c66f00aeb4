/** The typed Hono environment shared by every web route. */
import type { AuthService } from '../daemon/auth/auth-service.js';
import type { Logger } from '../daemon/log.js';
import type { Metrics } from '../daemon/reports/metrics.js';
import type { StateStore } from '../daemon/store/state-store.js';

/** What the web layer may use: services, never files. */
export interface WebDeps {
  auth: AuthService;
  store: StateStore;
  metrics: Metrics;
  log: Logger;
  version: string;
  secureCookies: boolean;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  startedAt: Date;
}

export type WebEnv = {
  Variables: {
    /** CSRF token for forms and htmx requests of this browser. */
    csrf: string;
    remoteAddr: string;
  };
};
