/**
 * Inventory: how the appliance logs in to hosts over SSH. The appliance public key to install,
 * per-host credentials (passwords are write-only: never shown, never put back in a form), pinned
 * host keys with a deliberate "accept" for a changed one, and collections with live progress.
 * Hosts link to their asset page by id only.
 */
import { type Context, Hono } from 'hono';
import { DepotError, httpStatusFor } from '../../daemon/errors.js';
import type { CredentialInput } from '../../daemon/inventory/credentials.js';
import type {
  CollectionRun,
  HostOverview,
  InventoryService,
} from '../../daemon/inventory/inventory-service.js';
import type { WebDeps, WebEnv } from '../env.js';
import { CsrfField } from '../views/csrf-field.js';
import { jobHref } from '../views/job-link.js';
import { Empty, Notice, renderPage } from '../views/layout.js';

const RUN_ID_RE = /^inv-[0-9a-f]{8}$/;

const DONE_MESSAGES = {
  saved: 'Credentials saved.',
  removed: 'Host removed. Its last inventory is kept for assessment.',
  accepted: 'New host key accepted. The next collection uses it.',
} as const;

const hostHref = (hostId: string): string => `/assets/${encodeURIComponent(hostId)}`;
const hostAction = (hostId: string, action: string): string =>
  `/inventory/hosts/${encodeURIComponent(hostId)}/${action}`;

const KeyCard = (props: { publicKey: string; fingerprint: string }) => (
  <section class="card" id="appliance-key">
    <h2>Appliance SSH key</h2>
    <p>
      The appliance logs in to hosts with this key. On each host, add the line below to{' '}
      <code>~/.ssh/authorized_keys</code> of the user it should log in as (a user that can run{' '}
      <code>dpkg-query</code>, <code>rpm</code> or <code>apk</code>; root is not needed).
    </p>
    <textarea readonly rows={3} aria-label="Appliance public key" style="width:100%;font-family:monospace">
      {props.publicKey}
    </textarea>
    <p class="hint">
      Fingerprint <code>{props.fingerprint}</code>. One way:{' '}
      <code>{`mkdir -p ~/.ssh && echo '${props.publicKey}' >> ~/.ssh/authorized_keys`}</code>
    </p>
  </section>
);

const HostKeyCell = (props: { row: HostOverview; csrf: string }) => {
  const key = props.row.hostKey;
  if (!key) return <span class="hint">pinned at first connection</span>;
  if (!key.rejected)
    return <code title={`${key.pinned.type}, pinned ${key.pinned.seenAt}`}>{key.pinned.fingerprint}</code>;
  return (
    <div>
      <Notice kind="error">
        Host key changed: pinned <code>{key.pinned.fingerprint}</code>, presented{' '}
        <code>{key.rejected.fingerprint}</code> on {key.rejected.seenAt}. Check it on the host's console (
        <code>ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub</code>) before accepting.
      </Notice>
      <form method="post" action={hostAction(props.row.credential.hostId, 'accept-key')}>
        <CsrfField token={props.csrf} />
        <input type="hidden" name="fingerprint" value={key.rejected.fingerprint} />
        <button type="submit">Accept new key {key.rejected.fingerprint.slice(0, 19)}…</button>
      </form>
    </div>
  );
};

const AttemptCell = (props: { row: HostOverview }) => {
  const a = props.row.attempt;
  if (!a) return <span class="hint">never collected</span>;
  if (a.ok) return <span>{`${a.packages ?? 0} packages · ${a.finishedAt}`}</span>;
  return (
    <span class="notice error" role="status">
      {`${a.finishedAt}: ${a.error ?? a.failure ?? 'failed'}`}
    </span>
  );
};

export const HostTable = (props: {
  rows: HostOverview[];
  csrf: string;
  nextScheduledAt?: Date | undefined;
  oob?: boolean;
}) => (
  <section class="card" id="inventory-hosts" {...(props.oob ? { 'hx-swap-oob': 'true' } : {})}>
    <h2>Hosts</h2>
    {props.rows.length === 0 ? (
      <Empty>
        <p>
          <strong>No host credentials yet.</strong>
        </p>
        <p>
          Install the appliance key on a host, then add its address and login user below to collect its OS,
          kernel and installed packages.
        </p>
      </Empty>
    ) : (
      <>
        <form
          method="post"
          action="/inventory/collect"
          hx-post="/inventory/collect"
          hx-target="#inventory-run"
          hx-swap="outerHTML"
        >
          <CsrfField token={props.csrf} />
          <button type="submit">Collect all hosts now</button>
        </form>
        <p class="hint">
          {props.nextScheduledAt
            ? `Next scheduled collection of every host: ${props.nextScheduledAt.toISOString()} (inventory.intervalHours).`
            : 'No scheduled collections (inventory.intervalHours is 0).'}
        </p>
        <table>
          <thead>
            <tr>
              <th>Host</th>
              <th>Login</th>
              <th>Password</th>
              <th>Host key</th>
              <th>Last collection</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => {
              const c = row.credential;
              return (
                <tr>
                  <td>
                    <a href={hostHref(c.hostId)}>{c.hostId}</a>
                  </td>
                  <td>
                    <code>{`${c.username}@${c.address}${c.port === 22 ? '' : `:${c.port}`}`}</code>
                  </td>
                  <td>{c.hasPassword ? 'set' : '—'}</td>
                  <td>
                    <HostKeyCell row={row} csrf={props.csrf} />
                  </td>
                  <td>
                    <AttemptCell row={row} />
                  </td>
                  <td>
                    <form
                      method="post"
                      action={hostAction(c.hostId, 'collect')}
                      hx-post={hostAction(c.hostId, 'collect')}
                      hx-target="#inventory-run"
                      hx-swap="outerHTML"
                      style="display:inline"
                    >
                      <CsrfField token={props.csrf} />
                      <button type="submit" class="link">
                        Collect now
                      </button>
                    </form>{' '}
                    <a href={`/inventory?edit=${encodeURIComponent(c.hostId)}#inventory-credentials`}>Edit</a>{' '}
                    <form method="post" action={hostAction(c.hostId, 'remove')} style="display:inline">
                      <CsrfField token={props.csrf} />
                      <button type="submit" class="link">
                        Remove
                      </button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </>
    )}
  </section>
);

export const RunProgress = (props: { run: CollectionRun | undefined }) => {
  const run = props.run;
  if (!run) return <div id="inventory-run" />;
  const hosts = [...run.hosts];
  const done = hosts.filter(([, h]) => h.state === 'ok' || h.state === 'failed').length;
  const failed = hosts.filter(([, h]) => h.state === 'failed').length;
  const live = run.finishedAt === undefined;
  return (
    <section
      class="card"
      id="inventory-run"
      aria-live="polite"
      {...(live
        ? { 'hx-get': `/inventory/runs/${run.id}`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' }
        : {})}
    >
      <h2>{live ? `Collecting (${run.id})` : `Collection ${run.id} finished`}</h2>
      <p>
        <progress value={done} max={Math.max(1, hosts.length)} /> {`${done} of ${hosts.length} hosts`}
        {failed ? `, ${failed} failed` : ''}
      </p>
      <ul>
        {hosts.map(([hostId, h]) => (
          <li>
            <a href={hostHref(hostId)}>{hostId}</a>:{' '}
            {h.jobId ? <a href={jobHref(h.jobId)}>{h.state}</a> : h.state}
            {h.packages !== undefined ? ` (${h.packages} packages)` : ''}
            {h.error ? <span class="hint"> {h.error}</span> : null}
          </li>
        ))}
      </ul>
      {live ? null : (
        <p>
          <a href="/inventory">Back to the host list</a>
        </p>
      )}
    </section>
  );
};

const CredentialForm = (props: {
  csrf: string;
  values?: Partial<CredentialInput> | undefined;
  error?: string | undefined;
}) => {
  const v = props.values ?? {};
  return (
    <section class="card" id="inventory-credentials">
      <h2>Add or update a host</h2>
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <form method="post" action="/inventory/hosts">
        <CsrfField token={props.csrf} />
        <label>
          Address
          <input name="address" required placeholder="192.168.1.20 or host.lan" value={v.address ?? ''} />
        </label>
        <label>
          Asset id <span class="hint">(optional; links the inventory to an asset, default: the address)</span>
          <input name="hostId" value={v.hostId ?? ''} />
        </label>
        <label>
          User
          <input name="username" required autocomplete="off" value={v.username ?? ''} />
        </label>
        <label>
          SSH port
          <input name="port" type="number" min={1} max={65535} value={String(v.port ?? 22)} />
        </label>
        <label>
          Password <span class="hint">(optional, tried after the key; leave empty to keep a stored one)</span>
          <input name="password" type="password" autocomplete="new-password" />
        </label>
        <label>
          <input type="checkbox" name="clearPassword" value="1" style="display:inline;width:auto" /> Remove
          the stored password
        </label>
        <button type="submit">Save</button>
      </form>
    </section>
  );
};

const unavailable = (): never => {
  throw new DepotError('UNAVAILABLE', 'The inventory service is not running on this appliance.');
};

export const inventoryRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  const service = (): InventoryService => deps.inventory ?? unavailable();

  const page = async (
    c: Context<WebEnv>,
    extra: {
      notice?: { kind: 'ok' | 'error'; text: string } | undefined;
      form?: Parameters<typeof CredentialForm>[0];
      status?: 400 | 404 | 409;
    } = {},
  ) => {
    const inv = service();
    const [key, rows] = await Promise.all([inv.keys.get(), inv.overview()]);
    const csrf = c.get('csrf');
    return renderPage(
      c,
      { title: 'Inventory', status: extra.status ?? 200 },
      <>
        <h1>Inventory</h1>
        {extra.notice ? <Notice kind={extra.notice.kind}>{extra.notice.text}</Notice> : null}
        <RunProgress run={inv.activeRun()} />
        <HostTable rows={rows} csrf={csrf} nextScheduledAt={inv.nextScheduledAt} />
        <CredentialForm csrf={csrf} {...extra.form} />
        <KeyCard publicKey={key.publicKey} fingerprint={key.fingerprint} />
      </>,
    );
  };

  app.get('/inventory', async (c) => {
    const done = c.req.query('done');
    // ?edit=ID fills the form with the stored settings (never the password).
    const editId = c.req.query('edit');
    const editing = editId ? await service().credentials.view(editId) : undefined;
    const form = editing
      ? {
          csrf: c.get('csrf'),
          values: {
            hostId: editing.hostId,
            address: editing.address,
            username: editing.username,
            port: editing.port,
          },
        }
      : undefined;
    const text =
      done && Object.hasOwn(DONE_MESSAGES, done)
        ? DONE_MESSAGES[done as keyof typeof DONE_MESSAGES]
        : undefined;
    return page(c, { notice: text ? { kind: 'ok', text } : undefined, ...(form ? { form } : {}) });
  });

  app.post('/inventory/hosts', async (c) => {
    const body = await c.req.parseBody();
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const port = text('port').trim();
    const input: CredentialInput = {
      hostId: text('hostId'),
      address: text('address'),
      username: text('username'),
      port: port === '' ? undefined : /^\d+$/.test(port) ? Number(port) : Number.NaN,
      password: text('password'),
      clearPassword: text('clearPassword') === '1',
    };
    try {
      await service().credentials.put(input);
    } catch (err) {
      if (!(err instanceof DepotError) || err.code !== 'BAD_INPUT') throw err;
      // Show the form again with what was typed, except the password.
      const { password: _dropped, ...values } = input;
      return page(c, { status: 400, form: { csrf: c.get('csrf'), values, error: err.message } });
    }
    return c.redirect('/inventory?done=saved', 303);
  });

  const withHost = async (c: Context<WebEnv>): Promise<string> => {
    const hostId = c.req.param('hostId') ?? '';
    if (!(await service().credentials.view(hostId))) {
      throw new DepotError(
        'NOT_FOUND',
        `No credentials are stored for host ${JSON.stringify(hostId.slice(0, 80))}.`,
      );
    }
    return hostId;
  };

  app.post('/inventory/hosts/:hostId/remove', async (c) => {
    await service().removeHost(await withHost(c));
    return c.redirect('/inventory?done=removed', 303);
  });

  app.post('/inventory/hosts/:hostId/accept-key', async (c) => {
    const hostId = await withHost(c);
    const body = await c.req.parseBody();
    const fingerprint = typeof body.fingerprint === 'string' ? body.fingerprint : '';
    try {
      await service().acceptHostKey(hostId, fingerprint);
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      return page(c, { status: 409, notice: { kind: 'error', text: err.message } });
    }
    return c.redirect('/inventory?done=accepted', 303);
  });

  const startRun = async (c: Context<WebEnv>, hostIds?: string[]) => {
    const run = await service().startRun(hostIds);
    if (c.req.header('hx-request') === 'true') return c.html(<RunProgress run={run} />);
    return c.redirect(`/inventory/runs/${run.id}`, 303);
  };
  app.post('/inventory/collect', (c) => startRun(c));
  app.post('/inventory/hosts/:hostId/collect', async (c) => startRun(c, [await withHost(c)]));

  app.get('/inventory/runs/:runId', async (c) => {
    const runId = c.req.param('runId');
    const run = RUN_ID_RE.test(runId) ? service().getRun(runId) : undefined;
    if (!run) {
      const err = new DepotError('NOT_FOUND', 'No such collection: it is older than the jobs kept.');
      return renderPage(
        c,
        { title: 'Inventory', status: httpStatusFor(err.code) },
        <Notice kind="error">{err.message}</Notice>,
      );
    }
    // The poll swaps the card itself; a plain browser gets the whole page (reload to refresh).
    if (c.req.header('hx-request') === 'true' && c.req.header('hx-boosted') === undefined) {
      if (run.finishedAt === undefined) return c.html(<RunProgress run={run} />);
      // The last poll also refreshes the host list out of band: new counts, pins, errors.
      const rows = await service().overview();
      return c.html(
        <>
          <RunProgress run={run} />
          <HostTable rows={rows} csrf={c.get('csrf')} nextScheduledAt={service().nextScheduledAt} oob />
        </>,
      );
    }
    return renderPage(c, { title: 'Inventory' }, <RunProgress run={run} />);
  });
  return app;
};
