/**
 * A signed-in admin over real HTTP (for tests against the daemon process): first-run setup through
 * the form (with the setup code from the data directory), with a small cookie jar.
 */
import { setupCodeOf } from '../../support/setup-code.js';

export interface HttpSession {
  /** The Cookie header of the signed-in browser. */
  cookie(): string;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<Response>;
  /** Post a form with the CSRF token of the page at `from` (default: the same path). */
  post(path: string, form: Record<string, string | string[]>, from?: string): Promise<Response>;
}

export const setUpOverHttp = async (
  baseUrl: string,
  password: string,
  dataDir: string,
): Promise<HttpSession> => {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response): Response => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  const request = async (path: string, init: RequestInit = {}) =>
    keep(
      await fetch(new URL(path, baseUrl), {
        ...init,
        redirect: 'manual',
        headers: { ...init.headers, cookie: cookie() },
      }),
    );
  const form = await (await request('/setup')).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1];
  if (!csrf) throw new Error('no CSRF field on /setup');
  const res = await request('/setup', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      _csrf: csrf,
      code: await setupCodeOf(dataDir),
      password,
      confirm: password,
    }).toString(),
  });
  if (res.status !== 303) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  return {
    cookie,
    get: (path, headers = {}, method = 'GET') => request(path, { method, headers }),
    post: async (path, form, from = path) => {
      const page = await (await request(from)).text();
      const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
      if (!token) throw new Error(`no CSRF field on ${from}`);
      const body = new URLSearchParams({ _csrf: token });
      for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
      return request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
    },
  };
};
