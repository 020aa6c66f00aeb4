/**
 * The one page of a machine (`/hosts/<id>`): identity (names, addresses, MAC, vendor, OS),
 * why it was classified so, SSH access, what it has installed, what it is missing, deployments,
 * its services, tags and notes, and its history. Every other page links here.
 */
import type { DeploymentSummary, HostRow } from '../../daemon/deploy/deployment-summary.js';
import type { Asset } from '../../daemon/discovery/asset.js';
import type { HostView } from '../../daemon/hosts/host-view.js';
import type { TransferRecord } from '../../daemon/tftp/transfer-log.js';
import { ago } from '../routes/discovery.js';
import { classOf, List, Status } from './assets.js';
import { CsrfField } from './csrf-field.js';
import { TransferTable } from './devices.js';
import { hostHref } from './host-link.js';
import { DeploymentsSection, FixesSection, PackagesSection } from './host-lists.js';
import { type ManageValues, SshAccessSection } from './ssh-access.js';
import { When, whenText } from './when.js';

const osOf = (view: HostView): string => {
  const collected = view.inventory && (view.inventory.os.prettyName || view.inventory.os.id);
  return collected ?? view.asset?.os ?? 'unknown';
};

/** Where the machine has answered: its scans' address history, else the address it was added by. */
const addressHistory = (view: HostView): Array<{ ip: string; text: string }> => {
  const seen = view.asset?.ipHistory ?? [];
  if (seen.length) {
    return seen.map((h) => ({
      ip: h.ip,
      text: `${h.ip}: ${whenText(h.firstSeen)} → ${whenText(h.lastSeen)}`,
    }));
  }
  const given = view.host.address;
  return given ? [{ ip: given, text: `${given}: given for SSH access, not seen by a scan yet` }] : [];
};

const Identity = (props: { view: HostView }) => {
  const { view } = props;
  const a = view.asset;
  const addresses = addressHistory(view).map((h) => h.ip);
  return (
    <div class="card">
      <h2>Identity</h2>
      <dl class="facts">
        <dt>Address</dt>
        <dd>{view.host.address ?? 'unknown'}</dd>
        <dt>Addresses seen</dt>
        <dd>{addresses.join(', ') || '—'}</dd>
        <dt>MAC</dt>
        <dd>
          <code>{view.host.mac ?? (a ? 'not visible (off-link)' : 'not seen by a scan yet')}</code>
        </dd>
        <dt>Vendor</dt>
        <dd>{a?.vendor ?? 'unknown'}</dd>
        <dt>Class</dt>
        <dd>{a ? classOf(a) : 'unknown'}</dd>
        <dt>OS</dt>
        <dd>{osOf(view)}</dd>
        <dt>Model</dt>
        <dd>{a?.model ?? 'unknown'}</dd>
        <dt>First seen</dt>
        <dd title={a?.firstSeen ?? view.host.createdAt}>{ago(a?.firstSeen ?? view.host.createdAt)}</dd>
        <dt>Last seen</dt>
        <dd title={a?.lastSeen ?? ''}>
          {a ? `${ago(a.lastSeen)} (${a.seenBy.join(', ') || '—'})` : 'never scanned'}
        </dd>
        <dt>Host id</dt>
        <dd>
          <code>{view.host.id}</code>
          {view.host.aliases.length ? (
            <span class="hint">{` also known as ${view.host.aliases.join(', ')}`}</span>
          ) : null}
        </dd>
      </dl>
    </div>
  );
};

/** Why the class, and every name the machine goes by: DNS and mDNS, then the one it reports itself. */
const Evidence = (props: { asset: Asset | undefined; reported: string | undefined }) => (
  <div class="card">
    <h2>Why this class</h2>
    <List items={props.asset?.evidence ?? []} />
    <h2>Host names</h2>
    <List
      items={[
        ...(props.asset?.hostnames ?? []),
        ...(props.reported ? [`${props.reported} (the name the machine reports)`] : []),
      ]}
    />
  </div>
);

const Services = (props: { asset: Asset }) => {
  const a = props.asset;
  const txt = (t: Record<string, string>) =>
    Object.keys(t).length
      ? ` (${Object.entries(t)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')})`
      : '';
  return (
    <section class="card" id="services">
      <h2>Open ports and services</h2>
      <List
        items={[
          ...a.openPorts.map((p) => `TCP ${p}${a.banners[String(p)] ? `: ${a.banners[String(p)]}` : ''}`),
          ...a.services.map((s) => `mDNS “${s.name}” _${s.type}._${s.protocol} port ${s.port}${txt(s.txt)}`),
        ]}
      />
    </section>
  );
};

const TagsAndNotes = (props: { hostId: string; asset: Asset; csrf: string }) => {
  const a = props.asset;
  return (
    <section class="card">
      <h2>Tags and notes</h2>
      <form method="post" action={`${hostHref(props.hostId)}/asset`}>
        <CsrfField token={props.csrf} />
        <label>
          Tags (comma separated)
          <input name="tags" value={a.tags.join(', ')} maxlength={600} />
        </label>
        <label>
          Notes
          <textarea name="notes" rows={3} maxlength={4000}>
            {a.notes}
          </textarea>
        </label>
        <button type="submit">Save</button>
      </form>
      {a.isNew ? (
        <form method="post" action={`${hostHref(props.hostId)}/asset`} style="margin-top:.75rem">
          <CsrfField token={props.csrf} />
          <input type="hidden" name="action" value="acknowledge" />
          <button type="submit">Mark as known</button>
        </form>
      ) : null}
    </section>
  );
};

const History = (props: { view: HostView }) => {
  const a = props.view.asset;
  const events = [
    ...props.view.host.events.map((e) => ({ at: e.at, text: `${e.kind}: ${e.detail}` })),
    ...(a?.events ?? []).map((e) => ({ at: e.at, text: `${e.kind}: ${e.detail}` })),
  ].sort((x, y) => y.at.localeCompare(x.at));
  return (
    <section class="grid">
      <div class="card">
        <h2>Address history</h2>
        <List items={addressHistory(props.view).map((h) => h.text)} />
      </div>
      <div class="card">
        <h2>History</h2>
        <ul>
          {events.map((e) => (
            <li>
              <When at={e.at} /> {e.text}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
};

/** What the machine fetched over TFTP (firmware, configs), from any address it has had. */
const TftpTransfers = (props: { rows: TransferRecord[] }) => (
  <section class="card" id="tftp">
    <h2>TFTP transfers</h2>
    {props.rows.length ? (
      <TransferTable rows={props.rows} label={() => undefined} />
    ) : (
      <p class="muted">
        This machine has not asked the appliance's TFTP server for a file. See <a href="/devices">Devices</a>.
      </p>
    )}
  </section>
);

/** Every address the machine is known by: where TFTP transfers are looked up. */
export const hostAddresses = (view: HostView): Set<string> =>
  new Set(
    [view.host.address, view.asset?.ip, ...addressHistory(view).map((h) => h.ip)].filter(
      (ip): ip is string => !!ip,
    ),
  );

export const HostPage = (props: {
  view: HostView;
  csrf: string;
  notice?: string | undefined;
  /** Its TFTP transfers, newest first; absent when the TFTP server is off. */
  transfers?: TransferRecord[] | undefined;
  manage?: { error?: string | undefined; values?: ManageValues | undefined } | undefined;
  /** This host's deployments; undefined when the appliance has no deployment service. */
  deployments?: Array<{ d: DeploymentSummary; h: HostRow }> | undefined;
}) => {
  const { view } = props;
  const a = view.asset;
  return (
    <>
      <p>
        <a href="/assets">← all assets</a>
      </p>
      <h1>
        {view.name} {a ? <Status online={a.online} isNew={a.isNew} /> : null}
      </h1>
      {props.notice ? <p class="notice ok">{props.notice}</p> : null}
      <section class="grid">
        <Identity view={view} />
        <Evidence asset={a} reported={view.host.hostname} />
      </section>
      <SshAccessSection
        view={view}
        csrf={props.csrf}
        error={props.manage?.error}
        values={props.manage?.values}
      />
      <FixesSection view={view} />
      <PackagesSection view={view} />
      <DeploymentsSection deployments={props.deployments} available={props.deployments !== undefined} />
      {props.transfers ? <TftpTransfers rows={props.transfers} /> : null}
      {a ? <Services asset={a} /> : null}
      {a ? <TagsAndNotes hostId={view.host.id} asset={a} csrf={props.csrf} /> : null}
      <History view={view} />
    </>
  );
};
