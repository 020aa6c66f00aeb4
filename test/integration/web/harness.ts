/**
 * The real web app over a real state store and job runner in a temp dir, driven through
 * `app.request` (no socket), with a cookie jar so a test reads like a browser session.
 */
import type { TestContext } from 'node:test';
import { AuthService } from '../../../daemon/auth/auth-service.js';
import { SetupCode } from '../../../daemon/auth/setup-code.js';
import type { JobRunner } from '../../../daemon/jobs/job-runner.js';
import type { Scheduler } from '../../../daemon/jobs/scheduler.js';
import type { Clock } from '../../../daemon/lifecycle.js';
import { Metrics } from '../../../daemon/reports/metrics.js';
import { StateStore } from '../../../daemon/store/state-store.js';
import { createWebApp } from '../../../web/app.js';
import type { WebDeps } from '../../../web/env.js';
import { loadStaticAssets } from '../../../web/static-assets.js';
import { type MemoryLogger, memoryLogger } from '../../fakes/log.js';
import { startJobs } from '../../job-runner.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

export interface Browser {
  request(path: string, init?: RequestInit & { from?: string }): Promise<Response>;
  /** GET a page and pull the CSRF token out of its form. */
  csrf(path: string): Promise<string>;
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  cookies: Map<string, string>;
}

export interface HarnessOptions {
  loginAttemptsPerMinute?: number;
  /** Build the services a test needs (discovery, cache, inventory...) over the harness's own store. */
  services?: (base: HarnessBase) => Promise<Partial<WebDeps>>;
  remoteAddr?: string;
  /** Reuse a data dir (a restart of the app); default: a fresh temp dir. */
  dataDir?: string;
  /** The clock of the job runner and scheduler (default: the system clock). */
  clock?: Clock;
  /** Start the scheduler, so periodic tasks fire (default: entries are listed but never fire). */
  schedule?: boolean;
}

export interface HarnessBase {
  dataDir: string;
  store: StateStore;
  log: MemoryLogger;
  jobs: JobRunner;
  scheduler: Scheduler;
}

export const webHarness = async (t: TestContext, opts: HarnessOptions = {}) => {
  const dataDir = opts.dataDir ?? (await tempDir(t));
  const log = memoryLogger();
  const store = new StateStore({ dataDir, debounceMs: 5, maxDelayMs: 50, log });
  await store.start();
  onTeardown(t, () => store.stop());
  const { jobs, scheduler, stop } = await startJobs(dataDir, {
    log,
    schedule: opts.schedule ?? false,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  onTeardown(t, stop);
  const base: HarnessBase = { dataDir, store, log, jobs, scheduler };
  const services = opts.services ? await opts.services(base) : {};
  const auth = new AuthService(store, {
    setupCode: new SetupCode(dataDir),
    sessionTtlHours: 1,
    loginAttemptsPerMinute: opts.loginAttemptsPerMinute ?? 5,
    log,
  });
  const app = createWebApp({
    auth,
    store,
    metrics: new Metrics(() => store.writes),
    log,
    version: 'test',
    secureCookies: false,
    allowedHosts: ['depot.test'],
    startedAt: new Date(),
    assets: await loadStaticAssets(),
    remoteAddr: (c) => c.req.header('x-test-remote') ?? opts.remoteAddr ?? '192.0.2.10',
    jobs,
    scheduler,
    ...services,
  });

  const browser = (): Browser => {
    const cookies = new Map<string, string>();
    const request = async (path: string, init: RequestInit & { from?: string } = {}) => {
      const headers = new Headers(init.headers);
      headers.set('host', 'depot.test');
      if (init.from) headers.set('x-test-remote', init.from);
      if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await app.request(`http://depot.test${path}`, { ...init, headers });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, value] = pair!.split('=') as [string, string];
        if (/max-age=0/i.test(line) || value === '') cookies.delete(name);
        else cookies.set(name, value);
      }
      return res;
    };
    return {
      cookies,
      request,
      async csrf(path) {
        const html = await (await request(path)).text();
        const match = html.match(/name="_csrf" value="([^"]+)"/);
        if (!match) throw new Error(`no CSRF field on ${path}`);
        return match[1]!;
      },
      post(path, form, headers = {}) {
        return request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(form).toString(),
        });
      },
    };
  };
  return { app, store, auth, log, browser, dataDir, jobs, scheduler };
};

export const PASSWORD = 'a long enough passphrase';

/** A browser that has completed first-run setup (and so holds a session). */
export const setUpAdmin = async (h: Awaited<ReturnType<typeof webHarness>>): Promise<Browser> => {
  const b = h.browser();
  const csrf = await b.csrf('/setup');
  const code = await h.auth.prepareSetupCode();
  const res = await b.post('/setup', {
    _csrf: csrf,
    code: code ?? '',
    password: PASSWORD,
    confirm: PASSWORD,
  });
  if (res.status !== 303) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  return b;
};
