/**
 * The pieces of the Inventory page: the appliance key to install, the hosts with SSH access (each
 * linked to its host page by name), live collection progress and the SSH access form. Passwords
 * are write-only: never shown, never put back in a form.
 */

import type { ManageInput } from '../../daemon/hosts/host-service.js';
import type { CollectionRun, HostOverview } from '../../daemon/inventory/inventory-service.js';
import { CsrfField } from './csrf-field.js';
import { hostHref } from './host-link.js';
import { jobHref } from './job-link.js';
import { Empty, Notice } from './layout.js';
import { counted } from './plural.js';
import { Reason, settingName } from './reason.js';
import { HostKeyChanged } from './ssh-access.js';
import { When } from './when.js';

const hostAction = (hostId: string, action: string): string =>
  `/inventory/hosts/${encodeURIComponent(hostId)}/${action}`;

export const KeyCard = (props: { publicKey: string; fingerprint: string }) => (
  <section class="card" id="appliance-key">
    <h2>Appliance SSH key</h2>
    <p>
      The appliance logs in to hosts with this key. On each host, add the line below to{' '}
      <code>~/.ssh/authorized_keys</code> of the user it should log in as. To see what a host has installed,
      any user that can run <code>dpkg-query</code>, <code>rpm</code> or <code>apk</code> will do; to deploy
      fixes the same login must be root or may run the package tool with <code>sudo</code> and no password (a
      failed deployment shows the exact sudoers line).
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
  // Not "pinned at first connection": read before any connection, it said a key was pinned.
  if (!key) return <span class="hint">none yet: pinned at the first connection</span>;
  if (!key.rejected)
    return <code title={`${key.pinned.type}, pinned ${key.pinned.seenAt}`}>{key.pinned.fingerprint}</code>;
  return (
    <HostKeyChanged
      action={hostAction(props.row.credential.hostId, 'accept-key')}
      csrf={props.csrf}
      pinned={key.pinned.fingerprint}
      presented={key.rejected.fingerprint}
      seenAt={key.rejected.seenAt}
    />
  );
};

const AttemptCell = (props: { row: HostOverview }) => {
  const a = props.row.attempt;
  if (!a) return <span class="hint">never collected</span>;
  if (a.ok)
    return (
      <span>
        {`${a.packages ?? 0} packages · `}
        <When at={a.finishedAt} />
      </span>
    );
  // The Host key column already shows both fingerprints and the accept button: said once, the
  // row stays a row (the whole paragraph here made each host sixty lines tall).
  // Once the new key is accepted, the paragraph's advice is done: the next collection uses it.
  const keyText =
    props.row.hostKey?.rejected !== undefined
      ? ': host key changed: nothing was sent (see Host key)'
      : ': host key changed; the new key is accepted since: collect again';
  return (
    <span class="notice error" role="status">
      <When at={a.finishedAt} />
      {a.failure === 'host-key-changed' ? keyText : `: ${a.error ?? a.failure ?? 'failed'}`}
    </span>
  );
};

const HostRow = (props: { row: HostOverview; csrf: string; label: (hostId: string) => string }) => {
  const c = props.row.credential;
  return (
    <tr>
      <td data-label="Host">
        <a href={hostHref(c.hostId)}>{props.label(c.hostId)}</a>
      </td>
      <td data-label="Login">
        <code>{`${c.username}@${c.address}${c.port === 22 ? '' : `:${c.port}`}`}</code>
      </td>
      <td data-label="Password">{c.hasPassword ? 'stored' : 'none (key only)'}</td>
      <td data-label="Host key">
        <HostKeyCell row={props.row} csrf={props.csrf} />
      </td>
      <td data-label="Last collection">
        <AttemptCell row={props.row} />
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
        <form
          method="post"
          action={hostAction(c.hostId, 'remove')}
          style="display:inline"
          hx-confirm="Remove this host? Its SSH access and inventory are deleted."
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

export const HostTable = (props: {
  rows: HostOverview[];
  csrf: string;
  /** How a machine is named (its host name or address). */
  label: (hostId: string) => string;
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
          {props.nextScheduledAt ? (
            <>
              {'Next scheduled collection of every host: '}
              <When at={props.nextScheduledAt.toISOString()} />
              {` (${settingName('inventory.intervalHours')}).`}
            </>
          ) : (
            `No scheduled collections (${settingName('inventory.intervalHours')} is 0).`
          )}
        </p>
        <table class="stack">
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
            {props.rows.map((row) => (
              <HostRow row={row} csrf={props.csrf} label={props.label} />
            ))}
          </tbody>
        </table>
      </>
    )}
  </section>
);

export const RunProgress = (props: { run: CollectionRun | undefined; label: (hostId: string) => string }) => {
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
        <progress value={done} max={Math.max(1, hosts.length)} />{' '}
        {`${done} of ${counted(hosts.length, 'host')}`}
        {failed ? `, ${failed} failed` : ''}
      </p>
      <ul>
        {hosts.map(([hostId, h]) => (
          <li>
            <a href={hostHref(hostId)}>{props.label(hostId)}</a>:{' '}
            {h.jobId ? <a href={jobHref(h.jobId)}>{h.state}</a> : h.state}
            {h.packages !== undefined ? ` (${h.packages} packages)` : ''}
            {h.error ? (
              <span class="hint">
                {' '}
                <Reason message={h.error} />
              </span>
            ) : null}
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

export const CredentialForm = (props: {
  csrf: string;
  values?: Partial<ManageInput> | undefined;
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
          Machine{' '}
          <span class="hint">
            (optional: a known machine's host id, asset id, MAC or address; default: the machine at the
            address above, or a new one)
          </span>
          <input name="host" value={v.host ?? ''} />
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
