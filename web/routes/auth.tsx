/** First-run setup, sign-in and sign-out pages. */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { MIN_PASSWORD_LENGTH } from '../../daemon/auth/password.js';
import { DepotError, httpStatusFor, RateLimitedError } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { SESSION_COOKIE, safeNext } from '../middleware/session.js';
import { endSession, startSession } from '../middleware/sign-in.js';
import { AccountNameField, NewPasswordField, SetupCodeField } from '../views/account-fields.js';
import { CsrfField } from '../views/csrf-field.js';
import { formText } from '../views/form-lines.js';
import { Notice, renderPage } from '../views/layout.js';
import { RestoreForm } from './backup.js';

const field = formText;

const SetupForm = (props: { csrf: string; error?: string | undefined }) => (
  <section class="card narrow">
    <h1>Welcome to Patch Depot</h1>
    <p>
      Choose the administrator password for this appliance. You will use it to sign in to this page from any
      machine on the LAN.
    </p>
    {props.error ? <Notice kind="error">{props.error}</Notice> : null}
    <form method="post" action="/setup">
      <CsrfField token={props.csrf} />
      <SetupCodeField autofocus />
      <details class="hint">
        <summary>Where is the setup code?</summary>
        <p>
          Only someone at the appliance can read it, so nobody else on the LAN can take it over first. It is
          in the appliance's log from its start (<code>journalctl -u patch-depot | grep setupCode</code>, or
          the console it runs in), in the file <code>setup-code</code> of its data directory (root only), and{' '}
          <code>sudo patch-depot setup-code</code> on the appliance prints it. It works once.
        </p>
      </details>
      <NewPasswordField label="Password" name="password" />
      <NewPasswordField label="Repeat password" name="confirm" />
      <p class="hint">At least {MIN_PASSWORD_LENGTH} characters.</p>
      <AccountNameField label="Account name" value="admin" />
      <p class="hint">The first administrator account; more accounts can be added on Settings → Accounts.</p>
      <button type="submit">Set password and continue</button>
    </form>
    <details>
      <summary>Replacing an appliance? Restore it from a backup instead</summary>
      <p class="hint">
        The backup's accounts, hosts, keys and history come back; sign in afterwards with an account of the
        backup.
      </p>
      <RestoreForm csrf={props.csrf} action="/setup/restore" withCode />
    </details>
  </section>
);

const LoginForm = (props: { csrf: string; next: string; error?: string | undefined; name?: string }) => (
  <section class="card narrow">
    <h1>Sign in</h1>
    {props.error ? <Notice kind="error">{props.error}</Notice> : null}
    <form method="post" action="/login">
      <CsrfField token={props.csrf} />
      <input type="hidden" name="next" value={props.next} />
      <AccountNameField label="Name" value={props.name || 'admin'} />
      <label>
        Password
        <input type="password" name="password" autocomplete="current-password" required autofocus />
      </label>
      <button type="submit">Sign in</button>
    </form>
  </section>
);

export const authRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  const failure = (err: unknown): { status: ReturnType<typeof httpStatusFor>; message: string } => {
    if (err instanceof DepotError) return { status: httpStatusFor(err.code), message: err.message };
    throw err;
  };

  app.get('/setup', (c) => renderPage(c, { title: 'Setup', bare: true }, <SetupForm csrf={c.get('csrf')} />));

  app.post('/setup', async (c) => {
    const body = await c.req.parseBody();
    try {
      const token = await deps.auth.setup(
        field(body, 'password'),
        field(body, 'confirm'),
        field(body, 'code'),
        c.get('remoteAddr'),
        field(body, 'name') || undefined,
      );
      startSession(c, deps, token);
      return c.redirect('/', 303);
    } catch (err) {
      if (err instanceof RateLimitedError) c.header('Retry-After', String(err.retryAfter));
      const { status, message } = failure(err);
      if (status === 409) return c.redirect('/login', 303);
      return renderPage(
        c,
        { title: 'Setup', bare: true, status },
        <SetupForm csrf={c.get('csrf')} error={message} />,
      );
    }
  });

  app.get('/login', (c) => {
    if (deps.auth.checkSession(getCookie(c, SESSION_COOKIE))) return c.redirect('/', 303);
    const next = safeNext(c.req.query('next') ?? '/', '');
    return renderPage(c, { title: 'Sign in', bare: true }, <LoginForm csrf={c.get('csrf')} next={next} />);
  });

  app.post('/login', async (c) => {
    const body = await c.req.parseBody();
    const next = safeNext(field(body, 'next') || '/', '');
    try {
      const token = await deps.auth.login(field(body, 'name'), field(body, 'password'), c.get('remoteAddr'));
      startSession(c, deps, token);
      return c.redirect(next, 303);
    } catch (err) {
      const { status, message } = failure(err);
      if (err instanceof RateLimitedError) c.header('Retry-After', String(err.retryAfter));
      return renderPage(
        c,
        { title: 'Sign in', bare: true, status },
        <LoginForm
          csrf={c.get('csrf')}
          next={next}
          error={message}
          name={field(body, 'name').slice(0, 32)}
        />,
      );
    }
  });

  app.post('/logout', async (c) => {
    await deps.auth.logout(getCookie(c, SESSION_COOKIE));
    endSession(c, deps);
    return c.redirect('/login', 303);
  });

  return app;
};
