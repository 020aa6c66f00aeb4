/**
 * Inventory: how the appliance logs in to hosts over SSH. The appliance public key to install,
 * SSH access per machine (given by machine or by address; the host directory makes sure one
 * machine never gets two rows), pinned host keys with a deliberate "accept" for a changed one,
 * and collections with live progress. Hosts link to their one host page.
 */

import { type Context, Hono } from 'hono';
import { DepotError, httpStatusFor } from '../../daemon/errors.js';
import type { InventoryService } from '../../daemon/inventory/inventory-service.js';
import type { WebDeps, WebEnv } from '../env.js';
import { ACCEPT_KEY_DETAIL, ACCEPT_KEY_QUESTION, askFirst } from '../views/confirm.js';
import { CredentialForm, HostTable, KeyCard, RunProgress } from '../views/inventory.js';
import { isFragmentRequest, Notice, renderPage } from '../views/layout.js';
import { requireHosts } from './hosts.js';
import { knownOnceManaged, readSshForm } from './ssh-form.js';

const RUN_ID_RE = /^inv-[0-9a-f]{8}$/;

const DONE_MESSAGES = {
  saved: 'Credentials saved.',
  removed: 'Host removed. Its last inventory is kept for assessment.',
  accepted: 'New host key accepted. The next collection uses it.',
} as const;

const unavailable = (): never => {
  throw new DepotError('UNAVAILABLE', 'The inventory service is not running on this appliance.');
};

const serviceOf = (deps: WebDeps): InventoryService => deps.inventory ?? unavailable();
const labelOf =
  (deps: WebDeps) =>
  (hostId: string): string =>
    deps.hosts?.label(hostId) ?? hostId;

/** The host named in the path, when it has SSH access stored; a clear 404 otherwise. */
const withHost = async (deps: WebDeps, c: Context<WebEnv>): Promise<string> => {
  const hostId = c.req.param('hostId') ?? '';
  if (!(await serviceOf(deps).credentials.view(hostId))) {
    throw new DepotError(
      'NOT_FOUND',
      `No credentials are stored for host ${JSON.stringify(hostId.slice(0, 80))}.`,
    );
  }
  return hostId;
};

const inventoryPage = async (
  deps: WebDeps,
  c: Context<WebEnv>,
  extra: {
    notice?: { kind: 'ok' | 'error'; text: string } | undefined;
    form?: Parameters<typeof CredentialForm>[0];
    status?: 400 | 404 | 409;
  } = {},
) => {
  const inv = serviceOf(deps);
  const label = labelOf(deps);
  const [key, rows] = await Promise.all([inv.keys.get(), inv.overview()]);
  const csrf = c.get('csrf');
  return renderPage(
    c,
    { title: 'Inventory', status: extra.status ?? 200 },
    <>
      <h1>Inventory</h1>
      {extra.notice ? <Notice kind={extra.notice.kind}>{extra.notice.text}</Notice> : null}
      <RunProgress run={inv.activeRun()} label={label} />
      <HostTable rows={rows} csrf={csrf} nextScheduledAt={inv.nextScheduledAt} label={label} />
      <CredentialForm csrf={csrf} {...extra.form} />
      <KeyCard publicKey={key.publicKey} fingerprint={key.fingerprint} />
    </>,
  );
};

/** Collections: start one (all hosts or one) and follow its progress. */
const collectionRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  const label = labelOf(deps);
  const startRun = async (c: Context<WebEnv>, hostIds?: string[]) => {
    const run = await serviceOf(deps).startRun(hostIds);
    // Only a targeted htmx form (Inventory's buttons) takes the card alone; a boosted form (a host
    // page's Collect now) swaps the whole body and shows the URL posted to, so it gets the run's page.
    if (isFragmentRequest(c)) return c.html(<RunProgress run={run} label={label} />);
    return c.redirect(`/inventory/runs/${run.id}`, 303);
  };
  app.post('/inventory/collect', (c) => startRun(c));
  app.post('/inventory/hosts/:hostId/collect', async (c) => startRun(c, [await withHost(deps, c)]));

  app.get('/inventory/runs/:runId', async (c) => {
    const runId = c.req.param('runId');
    const run = RUN_ID_RE.test(runId) ? serviceOf(deps).getRun(runId) : undefined;
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
      if (run.finishedAt === undefined) return c.html(<RunProgress run={run} label={label} />);
      // The last poll also refreshes the host list out of band: new counts, pins, errors.
      const inv = serviceOf(deps);
      return c.html(
        <>
          <RunProgress run={run} label={label} />
          <HostTable
            rows={await inv.overview()}
            csrf={c.get('csrf')}
            nextScheduledAt={inv.nextScheduledAt}
            label={label}
            oob
          />
        </>,
      );
    }
    return renderPage(c, { title: 'Inventory' }, <RunProgress run={run} label={label} />);
  });
  return app;
};

export const inventoryRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  app.get('/inventory', async (c) => {
    const done = c.req.query('done');
    // ?edit=ID fills the form with the stored settings (never the password).
    const editId = c.req.query('edit');
    const editing = editId ? await serviceOf(deps).credentials.view(editId) : undefined;
    const values = editing && {
      host: editing.hostId,
      address: editing.address,
      username: editing.username,
      port: editing.port,
    };
    const text =
      done && Object.hasOwn(DONE_MESSAGES, done)
        ? DONE_MESSAGES[done as keyof typeof DONE_MESSAGES]
        : undefined;
    return inventoryPage(deps, c, {
      notice: text ? { kind: 'ok', text } : undefined,
      ...(values ? { form: { csrf: c.get('csrf'), values } } : {}),
    });
  });

  app.post('/inventory/hosts', async (c) => {
    const input = await readSshForm(c);
    try {
      // The directory picks the machine (named, or the one at the address): never a second row.
      await knownOnceManaged(deps, await requireHosts(deps).manage(input));
    } catch (err) {
      if (!(err instanceof DepotError) || err.code !== 'BAD_INPUT') throw err;
      // Show the form again with what was typed, except the password.
      const { password: _dropped, ...values } = input;
      return inventoryPage(deps, c, {
        status: 400,
        form: { csrf: c.get('csrf'), values, error: err.message },
      });
    }
    return c.redirect('/inventory?done=saved', 303);
  });

  app.post('/inventory/hosts/:hostId/remove', async (c) => {
    const ask = await askFirst(
      c,
      'Remove this host?',
      'Its SSH access and collected inventory are deleted; it is no longer assessed or patched.',
      '/inventory',
    );
    if (ask) return ask;
    await serviceOf(deps).removeHost(await withHost(deps, c));
    return c.redirect('/inventory?done=removed', 303);
  });

  app.post('/inventory/hosts/:hostId/accept-key', async (c) => {
    const ask = await askFirst(c, ACCEPT_KEY_QUESTION, ACCEPT_KEY_DETAIL, '/inventory');
    if (ask) return ask;
    const hostId = await withHost(deps, c);
    const body = await c.req.parseBody();
    const fingerprint = typeof body.fingerprint === 'string' ? body.fingerprint : '';
    try {
      await serviceOf(deps).acceptHostKey(hostId, fingerprint);
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      return inventoryPage(deps, c, { status: 409, notice: { kind: 'error', text: err.message } });
    }
    return c.redirect('/inventory?done=accepted', 303);
  });

  app.route('/', collectionRoutes(deps));
  return app;
};
