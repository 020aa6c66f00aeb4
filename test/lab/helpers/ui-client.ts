/**
 * A browser-like client for a daemon whose UI listens inside a lab namespace, reached through a
 * unix socket bridge (scripts/unix-bridge.ts): a cookie jar, no redirect following (tests assert
 * where links lead), form posts, and first-run setup.
 */
import { Agent, fetch } from 'undici';
import { setupCodeOf } from '../../support/setup-code.js';
import { waitFor } from '../../support/wait-for.js';

export interface UiClient {
  request(
    path: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<Response>;
  text(path: string, headers?: Record<string, string>): Promise<string>;
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  /** First-run setup (with the setup code from the daemon's data dir); returns the CSRF token for later forms. */
  setUp(dataDir: string): Promise<string>;
  close(): Promise<void>;
}

const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

export const uiClient = (socketPath: string): UiClient => {
  const dispatcher = new Agent({ connect: { socketPath } });
  const cookies = new Map<string, string>();
  const request: UiClient['request'] = async (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`http://localhost${path}`, { ...init, headers, redirect: 'manual', dispatcher });
    for (const line of res.headers.getSetCookie()) {
      const [name, value] = line.split(';')[0]!.split('=') as [string, string];
      cookies.set(name, value);
    }
    return res as unknown as Response;
  };
  const post: UiClient['post'] = (path, form, headers = {}) =>
    request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  return {
    request,
    post,
    text: async (path, headers) => (await request(path, { headers: headers ?? {} })).text(),
    async setUp(dataDir) {
      const token = csrfOf(await (await request('/setup')).text());
      const pw = 'a long enough passphrase';
      const code = await setupCodeOf(dataDir);
      const res = await post('/setup', { _csrf: token, code, password: pw, confirm: pw });
      if (res.status !== 303) throw new Error(`setup failed: ${res.status}`);
      return csrfOf(await (await request('/settings/scopes')).text());
    },
    close: () => dispatcher.close(),
  };
};

/** Start a scan from the Assets page and wait until its panel tells the table to reload. */
export const scanFromAssets = async (ui: UiClient, csrf: string): Promise<void> => {
  const assets = await ui.text('/assets');
  const scopeId = /<option value="(scope-[^"]+)"/.exec(assets)?.[1] ?? '';
  const panel = await (
    await ui.post('/discovery/scans', { _csrf: csrf, scopeId }, { 'hx-request': 'true' })
  ).text();
  const watch = /watch=([^"&]+)"/.exec(panel)?.[1];
  if (!watch) throw new Error(`no scan started: ${panel}`);
  await waitFor(
    async () =>
      (
        await ui.request(`/discovery/scan-panel?watch=${watch}`, { headers: { 'hx-request': 'true' } })
      ).headers.get('hx-trigger') === 'assets-changed',
    'the scan to finish',
    120_000,
  );
};
