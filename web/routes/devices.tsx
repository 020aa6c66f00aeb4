/**
 * Network devices: phones, access points and switches that fetch firmware and configuration from
 * the appliance over TFTP. The page shows which device should fetch which file and whether it
 * did, the firmware staged from signed manifests, the site's own uploaded files and the transfer
 * log; it explains DHCP options 66/150. Everything is computed by the TFTP module; this renders.
 */
import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { isThisAppliance } from '../../daemon/discovery/asset.js';
import { DepotError, httpStatusFor } from '../../daemon/errors.js';
import type { TftpModule } from '../../daemon/tftp/tftp-module.js';
import type { WebDeps, WebEnv } from '../env.js';
import { hostOnly } from '../middleware/host-check.js';
import {
  DeviceTable,
  DhcpHelp,
  FirmwareFiles,
  SiteFiles,
  TftpAccessNote,
  TransferTable,
} from '../views/devices.js';
import { formText } from '../views/form-lines.js';
import { Empty, Notice, renderPage } from '../views/layout.js';
import { Reason } from '../views/reason.js';

const TITLE = 'Network devices';

const tftpOff = (c: Context<WebEnv>) =>
  renderPage(
    c,
    { title: TITLE },
    <>
      <h1>{TITLE}</h1>
      <Empty>
        <p>
          <strong>The TFTP server is off.</strong>
        </p>
        <p>
          IP phones, access points and switches can fetch their firmware and configuration from this appliance
          instead of across the WAN. Turn it on under{' '}
          <a href="/settings/config#tftp">Settings → Appliance settings → TFTP for network devices</a> and
          restart the appliance when the page offers it (the README's "Network devices and TFTP" section has
          the details). Devices inside the discovery scopes may then fetch; the same form narrows that.
        </p>
      </Empty>
    </>,
  );

/** Names that reach the appliance only from the machine itself (or through a tunnel to it). */
const LOOPBACK = /^(localhost|localhost\.localdomain|127\.\d+\.\d+\.\d+|::1)$/;

/**
 * The address devices should be given: the configured one, else the one the scan found this
 * appliance at inside its scope (its LAN address), else the one this browser used unless that is
 * loopback: a browser on the appliance itself, or through a tunnel, says `localhost`, which a
 * phone or a DHCP server must never be told.
 */
const applianceAddress = (c: Context<WebEnv>, deps: WebDeps, tftp: TftpModule): string => {
  const s = tftp.status();
  if (s.listening && s.address !== '0.0.0.0' && s.address !== '::') return s.address;
  const lan = deps.discovery?.allAssets().find(isThisAppliance)?.ip;
  if (lan) return lan;
  const browser = hostOnly(c.req.header('host') ?? '');
  return browser && !LOOPBACK.test(browser) ? browser : 'APPLIANCE-LAN-ADDRESS';
};

/** After an upload: the file is served, and how to check that from a computer on the LAN. */
const uploadedNotice = async (
  c: Context<WebEnv>,
  deps: WebDeps,
  tftp: TftpModule,
): Promise<Child | undefined> => {
  const name = c.req.query('uploaded');
  const listing = name ? await tftp.files.list() : undefined;
  if (!name || !listing?.site.some((f) => f.name === name)) return undefined;
  const port = tftp.port === 69 ? '' : ` ${tftp.port}`;
  return (
    <>
      {`${name} is served over TFTP. To check it from a computer on the LAN: `}
      <code>{`tftp ${applianceAddress(c, deps, tftp)}${port} -m binary -c get ${name}`}</code>
    </>
  );
};

const devicesPage = async (
  c: Context<WebEnv>,
  deps: WebDeps,
  tftp: TftpModule,
  notice?: Child,
  /** A refused upload: said on this page, by the form, rather than on an error page. */
  refused?: DepotError,
) => {
  const status = tftp.status();
  const listing = await tftp.files.list();
  const plan = tftp.staging?.plan() ?? { entries: [], problems: [] };
  const assets = deps.discovery?.allAssets() ?? [];
  const byIp = new Map(assets.map((a) => [a.ip, a.hostnames[0] ?? a.ip]));
  return renderPage(
    c,
    { title: TITLE, ...(refused ? { status: httpStatusFor(refused.code) } : {}) },
    <>
      <h1>{TITLE}</h1>
      {notice === undefined ? null : <Notice kind="ok">{notice}</Notice>}
      {refused ? <Notice kind="error">{`Not uploaded: ${refused.message}`}</Notice> : null}
      {status.listening ? (
        <p>{`TFTP server listening on ${status.address}:${status.port}, read-only, serving ${tftp.root}.`}</p>
      ) : (
        <Notice kind="error">
          <Reason message={status.error} />
        </Notice>
      )}
      <TftpAccessNote access={tftp.access()} ignored={tftp.ignored.list()} />
      <DhcpHelp address={applianceAddress(c, deps, tftp)} />
      <section class="card">
        <h2>Devices and their firmware</h2>
        <DeviceTable rows={tftp.devices(assets)} />
      </section>
      <FirmwareFiles
        entries={plan.entries}
        problems={plan.problems}
        listing={listing}
        canStage={tftp.staging?.available ?? false}
        csrf={c.get('csrf')}
      />
      <SiteFiles listing={listing} maxBytes={tftp.files.maxSiteFileBytes} csrf={c.get('csrf')} />
      <section class="card">
        <h2>Recent transfers</h2>
        <TransferTable rows={tftp.log.list({ limit: 50 })} label={(ip) => byIp.get(ip)} />
      </section>
    </>,
  );
};

export const devicesRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  const requireTftp = (): TftpModule => {
    if (!deps.tftp) throw new DepotError('UNAVAILABLE', 'the TFTP server is off (tftp.enabled)');
    return deps.tftp;
  };
  app.get('/devices', async (c) => {
    if (!deps.tftp) return tftpOff(c);
    return devicesPage(c, deps, deps.tftp, await uploadedNotice(c, deps, deps.tftp));
  });
  app.post('/devices/stage', async (c) => {
    const tftp = requireTftp();
    if (!tftp.staging?.available)
      throw new DepotError(
        'UNAVAILABLE',
        'the patch cache is off (cache.enabled): firmware cannot be fetched',
      );
    const job = await tftp.staging.request('manual');
    return devicesPage(c, deps, tftp, `Staging runs as job ${job.id} (see Activity).`);
  });
  app.post('/devices/files', async (c) => {
    const tftp = requireTftp();
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File) || file.size === 0)
      return devicesPage(c, deps, tftp, undefined, new DepotError('BAD_INPUT', 'choose a file to upload'));
    const name = formText(body, 'name').trim() || file.name;
    const saved = await tftp.files
      .putSiteFile(name, new Uint8Array(await file.arrayBuffer()))
      .catch((err: unknown) => {
        if (err instanceof DepotError && (err.code === 'BAD_INPUT' || err.code === 'CONFLICT')) return err;
        throw err;
      });
    if (saved instanceof DepotError) return devicesPage(c, deps, tftp, undefined, saved);
    // Redirected, so reloading the page shows it again instead of uploading the file again.
    return c.redirect(`/devices?uploaded=${encodeURIComponent(saved.name)}`, 303);
  });
  app.post('/devices/files/:name/delete', async (c) => {
    const tftp = requireTftp();
    await tftp.files.removeSiteFile(c.req.param('name'));
    return c.redirect('/devices', 303);
  });
  return app;
};
