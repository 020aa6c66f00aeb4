/**
 * Settings → API tokens: make one (shown once in the answer, never again) and revoke one. htmx
 * swaps the tokens card; without JavaScript the whole Settings page comes back.
 */
import { type Context, Hono } from 'hono';
import type { ApiModule } from '../../daemon/api/api-module.js';
import { DepotError, httpStatusFor } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { TokensCard, type TokensCardProps } from '../views/api-access.js';
import { isFragmentRequest, type PageOptions, renderPage } from '../views/layout.js';
import { settingsPage } from './settings.js';

const requireApi = (deps: WebDeps): ApiModule => {
  if (!deps.api) throw new DepotError('UNAVAILABLE', 'the site API is not running on this appliance');
  return deps.api;
};

/** The tokens card alone for htmx, the whole page otherwise. */
const answer = (
  c: Context<WebEnv>,
  deps: WebDeps,
  api: ApiModule,
  notes: Pick<TokensCardProps, 'created' | 'notice'>,
  status: PageOptions['status'] = 200,
) =>
  isFragmentRequest(c)
    ? renderPage(
        c,
        { title: 'Settings', status },
        <TokensCard csrf={c.get('csrf')} tokens={api.tokens.list()} now={Date.now()} {...notes} />,
      )
    : settingsPage(c, deps, { tokens: notes, status });

export const apiTokenRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  app.post('/settings/tokens', async (c) => {
    const api = requireApi(deps);
    const body = await c.req.parseBody({ all: true });
    const list = (v: unknown): string[] =>
      (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x) => typeof x === 'string');
    const days = typeof body.expiresInDays === 'string' ? body.expiresInDays.trim() : '';
    const input = {
      name: typeof body.name === 'string' ? body.name : '',
      scopes: list(body.scope),
      expiresInDays: days === '' ? null : /^\d{1,5}$/.test(days) ? Number(days) : days,
    };
    try {
      const { token, view } = await api.tokens.create(input, c.get('remoteAddr'));
      // The token is in this answer only: no cache may keep it.
      c.header('Cache-Control', 'no-store');
      return answer(c, deps, api, { created: { name: view.name, token } });
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      return answer(c, deps, api, { notice: { kind: 'error', text: err.message } }, httpStatusFor(err.code));
    }
  });

  app.post('/settings/tokens/:id/revoke', async (c) => {
    const api = requireApi(deps);
    const id = c.req.param('id');
    try {
      await api.tokens.revoke(id, c.get('remoteAddr'));
      const name = api.tokens.list().find((t) => t.id === id)?.name ?? id;
      return answer(c, deps, api, { notice: { kind: 'ok', text: `Token "${name}" revoked.` } });
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      return answer(c, deps, api, { notice: { kind: 'error', text: err.message } }, httpStatusFor(err.code));
    }
  });
  return app;
};
