/**
 * The Network devices page's parts: which device should fetch which firmware and whether it did,
 * the firmware in the TFTP root, the site's own files, the recent transfers, and how to point
 * devices at the appliance with DHCP options 66 and 150.
 */
import type { DeviceFile, DeviceRow, FirmwareEntry } from '../../daemon/tftp/firmware.js';
import type { IgnoredClient } from '../../daemon/tftp/ignored-clients.js';
import type { TftpAccess } from '../../daemon/tftp/tftp-module.js';
import type { RootListing } from '../../daemon/tftp/tftp-root.js';
import type { TransferRecord } from '../../daemon/tftp/transfer-log.js';
import { ago } from '../routes/discovery.js';
import { formatBytes } from './bytes.js';
import { CsrfField } from './csrf-field.js';
import { ActionsHeading, Empty, Notice } from './layout.js';

const assetHref = (id: string): string => `/assets/${encodeURIComponent(id)}`;

const FetchCell = (props: { f: DeviceFile }) => {
  const { fetch, staged } = props.f;
  if (fetch.state === 'fetched') return <span class="ok" title={fetch.at}>{`Fetched ${ago(fetch.at)}`}</span>;
  if (!staged) return <span class="muted">Not in the TFTP root yet</span>;
  if (fetch.state === 'failed')
    return (
      <span class="warn" title={fetch.detail}>{`Last try failed ${ago(fetch.at)}: ${fetch.detail}`}</span>
    );
  return <span class="muted">Not fetched yet</span>;
};

export const DeviceTable = (props: { rows: DeviceRow[] }) => {
  const covered = props.rows.filter((r) => r.files.length > 0);
  const updated = covered.filter((r) => r.updated).length;
  if (props.rows.length === 0)
    return (
      <Empty>
        <p>
          No discovered device matches a firmware file yet, and none has fetched anything. Devices are matched
          by vendor (from the MAC address) and model (from mDNS or banners) against the files signed manifests
          list on <a href="/patches/feeds">Feeds</a>.
        </p>
      </Empty>
    );
  return (
    <>
      <p>{`${updated} of ${covered.length} matched devices fetched their current firmware.`}</p>
      <table class="stack">
        <thead>
          <tr>
            <th>Device</th>
            <th>Vendor and model</th>
            <th>Should fetch</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <td>
                <a href={assetHref(r.asset.id)}>{r.asset.hostnames[0] ?? r.asset.ip}</a>
                <br />
                <small class="muted">{r.asset.ip}</small>
              </td>
              <td data-label="Vendor and model">
                {[r.asset.vendor, r.asset.model].filter(Boolean).join(' · ') || 'unknown'}
              </td>
              <td data-label="Should fetch">
                {r.files.length === 0
                  ? 'No listed firmware matches it'
                  : r.files.map((f) => (
                      <div>
                        <code>{f.entry.name}</code>
                        {` ${f.entry.product} ${f.entry.version}`}
                        {f.strength === 'vendor' ? <small class="muted"> (by vendor only)</small> : null}
                      </div>
                    ))}
              </td>
              <td data-label="Status">
                {r.files.map((f) => (
                  <div>
                    <FetchCell f={f} />
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
};

const entryState = (e: FirmwareEntry, listing: RootListing): { text: string; cls: string } => {
  const staged = listing.firmware.find((f) => f.name === e.name);
  const failed = listing.failures.find((f) => f.name === e.name);
  if (staged?.sha256 === e.sha256 && staged.present)
    return { text: `Staged ${ago(staged.stagedAt)}`, cls: 'ok' };
  if (failed) return { text: `Not staged: ${failed.error}`, cls: 'warn' };
  return { text: 'Waiting to be staged', cls: 'muted' };
};

export const FirmwareFiles = (props: {
  entries: FirmwareEntry[];
  problems: string[];
  listing: RootListing;
  canStage: boolean;
  csrf: string;
}) => (
  <section class="card">
    <h2>{`Firmware from signed manifests (${props.entries.length})`}</h2>
    {props.problems.map((p) => (
      <Notice kind="info">{p}</Notice>
    ))}
    {props.entries.length === 0 ? (
      <p class="muted">
        No signed manifest lists a firmware file with a download URL. Manifests are configured as feeds on{' '}
        <a href="/patches/feeds">Feeds</a>.
      </p>
    ) : (
      <table class="stack">
        <thead>
          <tr>
            <th>File</th>
            <th>Vendor, product, version</th>
            <th>Size</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => {
            const s = entryState(e, props.listing);
            return (
              <tr>
                <td>
                  <code title={`SHA-256 ${e.sha256}`}>{e.name}</code>
                </td>
                <td data-label="Vendor, product, version">{`${e.vendor} ${e.product} ${e.version}`}</td>
                <td data-label="Size">{formatBytes(e.size)}</td>
                <td data-label="State" class={s.cls}>
                  {s.text}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    )}
    {props.entries.length === 0 ? null : props.canStage ? (
      <form method="post" action="/devices/stage">
        <CsrfField token={props.csrf} />
        <button type="submit">Stage now</button>{' '}
        <small class="muted">
          Files come through the patch cache (verified there) and are checked again before they enter the TFTP
          root. This also runs after every feed sync.
        </small>
      </form>
    ) : (
      <p class="muted">The patch cache is off (cache.enabled), so firmware cannot be fetched and staged.</p>
    )}
  </section>
);

export const SiteFiles = (props: { listing: RootListing; maxBytes: number; csrf: string }) => (
  <section class="card">
    <h2>{`Site files (${props.listing.site.length})`}</h2>
    <p>
      Configuration files for this site's devices (for example <code>SEP001122334455.cnf.xml</code> for a
      Cisco phone), served over TFTP under the name you give. {`At most ${formatBytes(props.maxBytes)} each.`}
    </p>
    {props.listing.site.length ? (
      <table class="stack">
        <thead>
          <tr>
            <th>Name</th>
            <th>Size</th>
            <th>Uploaded</th>
            <ActionsHeading />
          </tr>
        </thead>
        <tbody>
          {props.listing.site.map((f) => (
            <tr>
              <td>
                <code title={`SHA-256 ${f.sha256}`}>{f.name}</code>
              </td>
              <td data-label="Size">{formatBytes(f.size)}</td>
              <td data-label="Uploaded" title={f.uploadedAt}>
                {ago(f.uploadedAt)}
              </td>
              <td>
                <form method="post" action={`/devices/files/${encodeURIComponent(f.name)}/delete`}>
                  <CsrfField token={props.csrf} />
                  <button type="submit" class="link">
                    Delete
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    ) : null}
    <form method="post" action="/devices/files" enctype="multipart/form-data">
      <CsrfField token={props.csrf} />
      <label>
        File <input type="file" name="file" required />
      </label>{' '}
      <label>
        Serve as <input type="text" name="name" placeholder="the file's own name" maxlength={128} />
      </label>{' '}
      <button type="submit">Upload</button>
    </form>
    {props.listing.other.length ? (
      <p class="muted">{`Also in the root, put there by hand: ${props.listing.other.join(', ')}`}</p>
    ) : null}
  </section>
);

export const TransferTable = (props: {
  rows: TransferRecord[];
  label: (ip: string) => string | undefined;
}) =>
  props.rows.length === 0 ? (
    <p class="muted">No device has asked for a file yet.</p>
  ) : (
    <table class="stack">
      <thead>
        <tr>
          <th>When</th>
          <th>Device</th>
          <th>File</th>
          <th>Outcome</th>
          <th>Size</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((t) => (
          <tr>
            <td data-label="When" title={t.at}>
              {ago(t.at)}
            </td>
            <td data-label="Device">{props.label(t.client) ?? t.client}</td>
            <td data-label="File">
              <code>{t.file}</code>
            </td>
            <td data-label="Outcome" class={t.outcome === 'complete' ? 'ok' : 'warn'} title={t.detail}>
              {t.outcome === 'complete'
                ? `complete in ${(t.durationMs / 1000).toFixed(1)} s`
                : `${t.outcome}: ${t.detail}`}
            </td>
            <td data-label="Size">{formatBytes(t.size)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

const SCOPES_LINK = <a href="/settings/scopes">Settings → Scopes</a>;
/** The setting `tftp.clients`, where a technician changes it (its JSON path is for the file). */
const CLIENTS_LINK = (
  <a href="/settings/config#tftp" title="tftp.clients">
    Devices that may fetch (Settings → TFTP)
  </a>
);

/**
 * Who gets an answer, and who asked but got silence: a device outside the allow-list sees a dead
 * server, so the page names the rule and the addresses it turned away.
 */
export const TftpAccessNote = (props: { access: TftpAccess; ignored: IgnoredClient[] }) => {
  const { access, ignored } = props;
  const rule =
    access.by === 'clients' ? (
      <p>
        Answers <code>{access.clients.join(', ')}</code> ({CLIENTS_LINK}); any other address gets no reply.
      </p>
    ) : access.scopes > 0 ? (
      <p>
        Answers devices inside the discovery scopes ({SCOPES_LINK}; a list in {CLIENTS_LINK} replaces them);
        any other address gets no reply.
      </p>
    ) : (
      <Notice kind="error">
        No device can fetch yet: the TFTP server answers only addresses inside a discovery scope (or listed in{' '}
        {CLIENTS_LINK}), and there is no scope. Add the devices' subnet in {SCOPES_LINK}.
      </Notice>
    );
  if (ignored.length === 0) return rule;
  const who = ignored.map(
    (i) => `${i.address} (${i.requests} ${i.requests === 1 ? 'request' : 'requests'}, ${ago(i.at)})`,
  );
  return (
    <>
      {rule}
      <Notice kind="info">
        {`Not answered, because they are not allowed to fetch: ${who.join(', ')}. `}
        If one of them is a device of this site, add its subnet to a scope in {SCOPES_LINK} or to{' '}
        {CLIENTS_LINK}.
      </Notice>
    </>
  );
};

/** How to point devices at the appliance: DHCP option 66 (and Cisco's 150). */
export const DhcpHelp = (props: { address: string }) => (
  <details class="card">
    <summary>Point devices at this appliance (DHCP options 66 and 150)</summary>
    <p>
      Devices learn their TFTP server from DHCP. On the site's DHCP server set option 66 (TFTP server name) to{' '}
      <code>{props.address}</code>; Cisco phones read option 150 (a list of addresses) instead. Renew the
      lease or reboot a device to make it ask.
    </p>
    <ul>
      <li>
        dnsmasq: <code>{`dhcp-option=66,"${props.address}"`}</code> and{' '}
        <code>{`dhcp-option=150,${props.address}`}</code>
      </li>
      <li>
        ISC dhcpd: <code>{`option tftp-server-name "${props.address}";`}</code> and, after declaring{' '}
        <code>option option-150 code 150 = array of ip-address;</code>,{' '}
        <code>{`option option-150 ${props.address};`}</code>
      </li>
      <li>
        Windows Server or a router's web page: option 066 "Boot Server Host Name", and 150 where it is
        offered.
      </li>
    </ul>
  </details>
);
