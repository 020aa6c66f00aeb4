/**
 * The one host page, `/hosts/<id>`, and what it changes: SSH access for the machine ("Manage this
 * machine"), accepting a changed host key after checking it, and the asset's tags and notes. An
 * id that is not a host id (an asset id, an old inventory id, an address) redirects to its host.
 */

import { type Context, Hono } from 'hono';
import { DepotError } from '../../daemon/errors.js';
import type { HostService } from '../../daemon/hosts/host-service.js';
import { pageNumber } from '../../daemon/paging.js';
import type { WebDeps, WebEnv } from '../env.js';
import { ACCEPT_KEY_DETAIL, ACCEPT_KEY_QUESTION, askFirst } from '../views/confirm.js';
import { HostPage, hostAddresses } from '../views/host.js';
import { hostHref } from '../views/host-link.js';
import { renderPage } from '../views/layout.js';
import type { ManageValues } from '../views/ssh-access.js';
import { knownOnceManaged, readSshForm } from './ssh-form.js';

const DONE = {
  managed: 'SSH access saved. Collect now to see what the machine has installed.',
  accepted: 'New host key accepted. The next collection uses it.',
  saved: 'Saved.',
} as const;

export const requireHosts = (deps: WebDeps): HostService => {
  if (!deps.hosts) throw new DepotError('UNAVAILABLE', 'the host directory is not running on this appliance');
  return deps.hosts;
};

type RenderExtra = { status?: 400 | 409; manage?: { error: string; values: ManageValues } };

/** The host page, with its deployments when the appliance deploys and its TFTP transfers when the TFTP server runs. */
const renderHost = async (deps: WebDeps, c: Context<WebEnv>, id: string, extra: RenderExtra) => {
  const paging = { packages: pageNumber(c.req.query('packages')), fixes: pageNumber(c.req.query('fixes')) };
  const view = await requireHosts(deps).view(id, paging);
  const done = c.req.query('done');
  const notice = done && Object.hasOwn(DONE, done) ? DONE[done as keyof typeof DONE] : undefined;
  const transfers = deps.tftp?.log.list({ clients: hostAddresses(view), limit: 20 });
  return renderPage(
    c,
    { title: view.name, status: extra.status ?? 200 },
    <HostPage
      view={view}
      csrf={c.get('csrf')}
      notice={notice}
      transfers={transfers}
      manage={extra.manage}
      deployments={deps.deploy?.forHost(view.host.id)}
    />,
  );
};

export const hostsRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  const render = (c: Context<WebEnv>, id: string, extra: RenderExtra = {}) => renderHost(deps, c, id, extra);

  /** The host behind :id; any other name for it (asset id, address, old id) redirects there. */
  const known = (c: Context<WebEnv>): string => {
    const id = c.req.param('id') ?? '';
    if (!requireHosts(deps).get(id))
      throw new DepotError('NOT_FOUND', `no machine ${JSON.stringify(id.slice(0, 80))}`);
    return id;
  };

  app.get('/hosts', (c) => c.redirect('/assets'));

  app.get('/hosts/:id', async (c) => {
    const id = c.req.param('id');
    const hosts = requireHosts(deps);
    if (!hosts.get(id)) {
      const found = await hosts.resolve(id);
      if (!found) throw new DepotError('NOT_FOUND', `no machine ${JSON.stringify(id.slice(0, 80))}`);
      return c.redirect(hostHref(found.id));
    }
    return render(c, id);
  });

  app.post('/hosts/:id/manage', async (c) => {
    const id = known(c);
    const input = await readSshForm(c);
    try {
      await knownOnceManaged(deps, await requireHosts(deps).manage({ ...input, host: id }));
    } catch (err) {
      if (!(err instanceof DepotError) || err.code !== 'BAD_INPUT') throw err;
      const { address, username, port } = input;
      return render(c, id, {
        status: 400,
        manage: { error: err.message, values: { address, username, port } },
      });
    }
    return c.redirect(`${hostHref(id)}?done=managed#ssh-access`, 303);
  });

  app.post('/hosts/:id/accept-key', async (c) => {
    const id = known(c);
    const ask = await askFirst(c, ACCEPT_KEY_QUESTION, ACCEPT_KEY_DETAIL, `${hostHref(id)}#ssh-access`);
    if (ask) return ask;
    if (!deps.inventory) throw new DepotError('UNAVAILABLE', 'inventory is not running on this appliance');
    const body = await c.req.parseBody();
    const fingerprint = typeof body.fingerprint === 'string' ? body.fingerprint : '';
    // A fingerprint that is not the presented one changes nothing and says so (409).
    await deps.inventory.acceptHostKey(id, fingerprint);
    return c.redirect(`${hostHref(id)}?done=accepted#ssh-access`, 303);
  });

  app.post('/hosts/:id/asset', async (c) => {
    const id = known(c);
    const assetId = requireHosts(deps).get(id)?.assetId;
    if (!deps.discovery || !assetId)
      throw new DepotError('NOT_FOUND', 'this machine has no discovered asset');
    const body = await c.req.parseBody();
    const text = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
    if (text('action') === 'acknowledge') await deps.discovery.acknowledge(assetId);
    else await deps.discovery.editAsset(assetId, { tags: text('tags').split(','), notes: text('notes') });
    return c.redirect(`${hostHref(id)}?done=saved`, 303);
  });

  return app;
};
