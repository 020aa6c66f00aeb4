/**
 * The real web app with the console API over a real state store, token file and site key in a
 * temp dir, an administrator signed in, and helpers to make tokens through the Settings form and
 * call /api/v1 with them (through `app.request`, no socket).
 */

import type { TestContext } from 'node:test';
import { ApiModule } from '../../../daemon/api/api-module.js';
import type { ListSources } from '../../../daemon/api/site-lists.js';
import type { TokenScope } from '../../../daemon/api/token-record.js';
import { AuditLog, auditFile } from '../../../daemon/auth/audit-log.js';
import type { Clock } from '../../../daemon/lifecycle.js';
import type { SiteSources } from '../../../daemon/reports/site-summary.js';
import { onTeardown } from '../../temp-dir.js';
import { setUpAdmin, webHarness } from '../web/harness.js';

export interface ApiHarnessOptions {
  sources?: SiteSources & ListSources;
  requestsPerMinute?: number;
  dataDir?: string;
  /** The API's clock (tokens, summary reuse, cursors); default: the system clock. */
  clock?: Clock;
}

export const apiHarness = async (t: TestContext, opts: ApiHarnessOptions = {}) => {
  let api: ApiModule | undefined;
  const h = await webHarness(t, {
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    services: async (base) => {
      const sources = opts.sources ?? {};
      api = new ApiModule({
        dataDir: base.dataDir,
        requestsPerMinute: opts.requestsPerMinute ?? 600,
        siteName: 'Branch 7',
        version: 'test',
        sources,
        audit: new AuditLog(auditFile(base.dataDir)),
        log: base.log,
        ...(opts.clock ? { clock: opts.clock } : {}),
      });
      await api.start();
      onTeardown(t, () => api?.stop());
      return { api };
    },
  });
  const admin = await setUpAdmin(h);

  /** Make a token on the Settings page; returns the token text the page shows once. */
  const makeToken = async (scopes: TokenScope[], name = 'console', expiresInDays = ''): Promise<string> => {
    const body = new URLSearchParams({ _csrf: await admin.csrf('/settings'), name, expiresInDays });
    for (const s of scopes) body.append('scope', s);
    const res = await admin.request('/settings/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    const html = await res.text();
    const token = /<code>(pdt_[0-9a-f]{12}_[A-Za-z0-9_-]{43})<\/code>/.exec(html)?.[1];
    if (res.status !== 200 || !token) throw new Error(`no token made: ${res.status} ${html.slice(0, 300)}`);
    return token;
  };

  /** A console's request: no cookies, a bearer token when given. */
  const call = (path: string, token?: string, headers: Record<string, string> = {}, from = '198.51.100.20') =>
    h.app.request(`http://depot.test${path}`, {
      headers: {
        host: 'depot.test',
        'x-test-remote': from,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
    });

  return { ...h, api: api!, admin, makeToken, call };
};
