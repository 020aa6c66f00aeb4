/**
 * Settings → Accounts (admins only, see middleware/roles.tsx): the local accounts and their
 * roles, adding one (its password typed twice), changing a role, resetting a password (a new one shown once), removing one
 * (after a confirmation); and Settings → Audit log, newest first.
 */

import { type Context, Hono } from 'hono';
import type { Account } from '../../daemon/auth/accounts.js';
import type { AuditLog } from '../../daemon/auth/audit-log.js';
import { DepotError, httpStatusFor } from '../../daemon/errors.js';
import { ROLES } from '../../daemon/store/schema.js';
import type { WebDeps, WebEnv } from '../env.js';
import { AccountNameField, NewPasswordField } from '../views/account-fields.js';
import { AuditTable } from '../views/audit.js';
import { askFirst } from '../views/confirm.js';
import { CsrfField } from '../views/csrf-field.js';
import { formText } from '../views/form-lines.js';
import { Notice, renderPage } from '../views/layout.js';
import { When } from '../views/when.js';

type Note = { kind: 'ok' | 'error'; text: string; password?: string };

const ROLE_WORDS = {
  admin: 'everything, settings and accounts included',
  operator: 'scans, inventories, feed syncs and deployments; no settings or accounts',
  viewer: 'reads every page; changes nothing',
} as const;

const RoleSelect = (props: { value: string; id?: string; label?: string }) => (
  <select name="role" id={props.id} aria-label={props.label}>
    {ROLES.map((r) => (
      <option value={r} selected={r === props.value}>
        {r}
      </option>
    ))}
  </select>
);

const AccountRow = (props: { a: Account; csrf: string; me: string }) => {
  const { a } = props;
  const base = `/settings/accounts/${encodeURIComponent(a.name)}`;
  return (
    <tr>
      <td>
        <strong>{a.name}</strong>
        {a.name === props.me ? ' (you)' : ''}
      </td>
      <td data-label="Role">
        <form method="post" action={`${base}/role`} class="inline">
          <CsrfField token={props.csrf} />
          <RoleSelect value={a.role} label={`Role of ${a.name}`} />
          <button type="submit" class="link">
            Set role
          </button>
        </form>
      </td>
      <td data-label="Password set">
        <When at={a.passwordSetAt} />
      </td>
      <td>
        <form method="post" action={`${base}/reset-password`} class="inline">
          <CsrfField token={props.csrf} />
          <button type="submit" class="link">
            Reset password
          </button>
        </form>{' '}
        <form
          method="post"
          action={`${base}/remove`}
          class="inline"
          hx-confirm={`Remove the account ${a.name}? It is signed out at once.`}
        >
          <CsrfField token={props.csrf} />
          <button type="submit" class="link">
            Remove
          </button>
        </form>
      </td>
    </tr>
  );
};

const accountsPage = (c: Context<WebEnv>, deps: WebDeps, note?: Note, status?: 400 | 404 | 409) => {
  const csrf = c.get('csrf');
  const me = c.get('user')?.name ?? '';
  return renderPage(
    c,
    { title: 'Accounts', status },
    <>
      <h1>Accounts</h1>
      {note ? (
        <Notice kind={note.kind}>
          {note.text}
          {note.password ? (
            <>
              {' '}
              <code class="secret">{note.password}</code> (shown once: give it to its owner, who can change it
              on Settings)
            </>
          ) : null}
        </Notice>
      ) : null}
      <section class="card">
        <table class="stack">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Password set</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {deps.auth.accounts.list().map((a) => (
              <AccountRow a={a} csrf={csrf} me={me} />
            ))}
          </tbody>
        </table>
        <ul class="hint">
          {ROLES.map((r) => (
            <li>
              <strong>{r}</strong>: {ROLE_WORDS[r]}
            </li>
          ))}
        </ul>
      </section>
      <section class="card">
        <h2>Add an account</h2>
        <form method="post" action="/settings/accounts">
          <CsrfField token={csrf} />
          <AccountNameField label="Name" />
          <label for="new-role">Role</label>
          <RoleSelect value="operator" id="new-role" />
          <NewPasswordField label="Password" name="password" />
          <NewPasswordField label="Repeat password" name="confirm" />
          <button type="submit">Add account</button>
        </form>
      </section>
      <p>
        <a href="/settings/audit">Audit log</a> · <a href="/settings">Settings</a>
      </p>
    </>,
  );
};

const text = formText;

type Act = (c: Context<WebEnv>, work: () => Promise<Note>) => Promise<Response>;

const target = (c: Context<WebEnv>) => decodeURIComponent(c.req.param('name') ?? '');
const me = (c: Context<WebEnv>) => c.get('user')?.name ?? '';

const removeRoute = (app: Hono<WebEnv>, deps: WebDeps, act: Act) => {
  app.post('/settings/accounts/:name/remove', async (c) => {
    const ask = await askFirst(
      c,
      `Remove the account ${target(c)}?`,
      'It is signed out at once and can no longer sign in.',
      '/settings/accounts',
    );
    if (ask) return ask;
    return act(c, async () => {
      await deps.auth.accounts.remove(target(c), me(c));
      return { kind: 'ok', text: `Account ${target(c)} removed.` };
    });
  });
};

const auditPage = (app: Hono<WebEnv>, auditLog: AuditLog) => {
  app.get('/settings/audit', async (c) => {
    const before = Number(c.req.query('before'));
    const rows = await auditLog.newest(100, Number.isSafeInteger(before) && before > 0 ? before : undefined);
    return renderPage(
      c,
      { title: 'Audit log' },
      <>
        <h1>Audit log</h1>
        <AuditTable rows={rows} />
        <p>
          {rows.length === 100 ? (
            <a href={`/settings/audit?before=${rows.at(-1)!.seq}`}>Older entries</a>
          ) : null}{' '}
          <a href="/settings/accounts">Accounts</a>
        </p>
      </>,
    );
  });
};

export const accountsRoutes = (deps: WebDeps & { auditLog: AuditLog }) => {
  const app = new Hono<WebEnv>();
  const accounts = deps.auth.accounts;
  const act: Act = async (c, work) => {
    try {
      return accountsPage(c, deps, await work());
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      const status = httpStatusFor(err.code);
      return accountsPage(
        c,
        deps,
        { kind: 'error', text: err.message },
        status === 404 || status === 409 ? status : 400,
      );
    }
  };

  app.get('/settings/accounts', (c) => accountsPage(c, deps));
  app.post('/settings/accounts', async (c) => {
    const body = await c.req.parseBody();
    return act(c, async () => {
      // Typed twice, as on Settings: a typo here locks the new account's owner out.
      if (text(body, 'password') !== text(body, 'confirm'))
        throw new DepotError('BAD_INPUT', 'the two passwords do not match: type the same password twice');
      const a = await accounts.add(text(body, 'name'), text(body, 'role'), text(body, 'password'));
      return { kind: 'ok', text: `Account ${a.name} added with the role ${a.role}.` };
    });
  });
  app.post('/settings/accounts/:name/role', async (c) => {
    const body = await c.req.parseBody();
    return act(c, async () => {
      await accounts.setRole(target(c), text(body, 'role'), me(c));
      return { kind: 'ok', text: `${target(c)} is now ${text(body, 'role')}.` };
    });
  });
  app.post('/settings/accounts/:name/reset-password', (c) =>
    act(c, async () => ({
      kind: 'ok',
      text: `New password for ${target(c)}, signed out everywhere:`,
      password: await accounts.resetPassword(target(c)),
    })),
  );
  removeRoute(app, deps, act);
  auditPage(app, deps.auditLog);
  return app;
};
