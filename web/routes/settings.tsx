/** Settings: how this appliance is configured, and the admin password. */
import { type Context, Hono } from 'hono';
import { DepotError, httpStatusFor } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { redirect } from '../middleware/session.js';
import { startSession } from '../middleware/sign-in.js';
import { NewPasswordField } from '../views/account-fields.js';
import { SiteKeyCard, TokensCard, type TokensCardProps } from '../views/api-access.js';
import { CsrfField } from '../views/csrf-field.js';
import { Notice, type PageOptions, renderPage } from '../views/layout.js';
import { counted } from '../views/plural.js';
import { PresenceCard } from '../views/presence.js';
import { SelfUpdateCard } from '../views/self-update.js';
import { BackupCard } from './backup.js';

const PasswordForm = (props: {
  csrf: string;
  notice?: { kind: 'error' | 'ok'; text: string } | undefined;
}) => (
  <section class="card" id="password">
    <h2>Administrator password</h2>
    {props.notice ? <Notice kind={props.notice.kind}>{props.notice.text}</Notice> : null}
    <form
      method="post"
      action="/settings/password"
      hx-post="/settings/password"
      hx-target="#password"
      hx-swap="outerHTML"
    >
      <CsrfField token={props.csrf} />
      <label>
        Current password
        <input type="password" name="current" autocomplete="current-password" required />
      </label>
      <NewPasswordField label="New password" name="password" />
      <NewPasswordField label="Repeat new password" name="confirm" />
      <p class="hint">Changing the password signs out every other browser.</p>
      <button type="submit">Change password</button>
    </form>
  </section>
);

/** The whole Settings page; `tokens` carries a token just made (shown once) or an error about tokens. */
export const settingsPage = async (
  c: Context<WebEnv>,
  deps: WebDeps,
  notes: {
    password?: { kind: 'error' | 'ok'; text: string } | undefined;
    tokens?: Pick<TokensCardProps, 'created' | 'notice'>;
    status?: PageOptions['status'];
  } = {},
) => {
  const selfUpdate = await deps.selfUpdate?.status();
  return renderPage(
    c,
    { title: 'Settings', status: notes.status },
    <>
      <h1>Settings</h1>
      <section class="card">
        <h2>Appliance</h2>
        <dl class="facts">
          <dt>Version</dt>
          <dd>{deps.version}</dd>
          <dt>State file</dt>
          <dd>
            <code>{deps.store.path}</code>
          </dd>
          <dt>Signed in as</dt>
          <dd>
            {c.get('user')?.name} ({c.get('user')?.role}) · password set{' '}
            {deps.auth.user(c.get('user')?.name ?? '')?.passwordSetAt?.slice(0, 10) ?? 'never'}
          </dd>
        </dl>
      </section>
      {c.get('user')?.role === 'admin' ? (
        <section class="card">
          <h2>Accounts</h2>
          <p>
            {counted(deps.auth.accounts.list().length, 'account')}:{' '}
            <a href="/settings/accounts">manage accounts</a> (admin, operator, viewer) ·{' '}
            <a href="/settings/audit">audit log</a> of every change.
          </p>
        </section>
      ) : null}
      {deps.settings && c.get('user')?.role === 'admin' ? (
        <section class="card">
          <h2>Appliance settings</h2>
          <p>
            Vendor feeds, the package cache's upstreams, WAN rate, windows and clients, the proxy port,
            trusted keys and the site name: <a href="/settings/config">edit settings</a>.
          </p>
        </section>
      ) : null}
      <section class="card">
        <h2>Scopes of management</h2>
        <p>
          The subnets discovery may scan, what it must leave alone, and how often:{' '}
          <a href="/settings/scopes">edit scopes</a>.
        </p>
      </section>
      <PresenceCard status={deps.presence?.status()} />
      {deps.selfUpdate ? <SelfUpdateCard view={deps.selfUpdate} status={selfUpdate} /> : null}
      {deps.backup && c.get('user')?.role === 'admin' ? <BackupCard csrf={c.get('csrf')} /> : null}
      <PasswordForm csrf={c.get('csrf')} notice={notes.password} />
      {deps.api ? (
        <>
          <TokensCard
            csrf={c.get('csrf')}
            tokens={deps.api.tokens.list()}
            now={Date.now()}
            {...notes.tokens}
          />
          <SiteKeyCard
            siteName={deps.api.siteName}
            publicKey={deps.api.siteKey.publicKey}
            origin={new URL(c.req.url).origin}
          />
        </>
      ) : null}
    </>,
  );
};

export const settingsRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/settings', (c) =>
    settingsPage(c, deps, {
      password: c.req.query('password') === 'changed' ? { kind: 'ok', text: 'Password changed.' } : undefined,
    }),
  );

  app.post('/settings/password', async (c) => {
    const body = await c.req.parseBody();
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    try {
      const token = await deps.auth.changePassword(
        c.get('user')?.name ?? '',
        text('current'),
        text('password'),
        text('confirm'),
        c.get('remoteAddr'),
      );
      startSession(c, deps, token);
      // A whole new page: every form on it needs the new session's CSRF token.
      return redirect(c, '/settings?password=changed');
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      return renderPage(
        c,
        { title: 'Settings', status: httpStatusFor(err.code) },
        <PasswordForm csrf={c.get('csrf')} notice={{ kind: 'error', text: err.message }} />,
      );
    }
  });
  return app;
};
