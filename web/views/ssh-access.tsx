/**
 * SSH access on the host page: what the appliance logs in with, whether a moved machine is
 * confirmed by its pinned key (or stopped by a changed one), and "Manage this machine" where it
 * makes sense: never offered to a printer, TV, phone or network device.
 */

import type { HostView } from '../../daemon/hosts/host-view.js';
import type { IdentityWitness } from '../../daemon/hosts/witness.js';
import { ACCEPT_KEY_DETAIL, ACCEPT_KEY_QUESTION } from './confirm.js';
import { CsrfField } from './csrf-field.js';
import { hostHref } from './host-link.js';
import { Notice } from './layout.js';
import { When } from './when.js';

export interface ManageValues {
  address?: string | undefined;
  username?: string | undefined;
  port?: number | undefined;
}

/**
 * A machine presented another host key than the pinned one: the same words and the same accept
 * button on the host page and on Inventory (each posts to its own page's route).
 */
export const HostKeyChanged = (props: {
  action: string;
  csrf: string;
  pinned: string;
  presented: string;
  seenAt: string;
}) => (
  <div>
    <Notice kind="error">
      Host key changed: pinned <code>{props.pinned}</code>, presented <code>{props.presented}</code> on{' '}
      <When at={props.seenAt} />. Every connection to this machine stops until you compare the fingerprint on
      its console (<code>ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub</code>) and accept it.
    </Notice>
    <form method="post" action={props.action} hx-confirm={`${ACCEPT_KEY_QUESTION} ${ACCEPT_KEY_DETAIL}`}>
      <CsrfField token={props.csrf} />
      <input type="hidden" name="fingerprint" value={props.presented} />
      <button type="submit">Accept new key {props.presented.slice(0, 19)}…</button>
    </form>
  </div>
);

export const IdentityNotice = (props: { identity: IdentityWitness; hostId: string; csrf: string }) => {
  const w = props.identity;
  switch (w.state) {
    case 'unmoved':
      return null;
    case 'unmanaged':
      return <Notice kind="info">{`Moved from ${w.move.from} to ${w.move.to} (${w.move.at}).`}</Notice>;
    case 'pending':
      return (
        <Notice kind="info">
          {`Moved from ${w.move.from} to ${w.move.to} (${w.move.at}); SSH access follows it. The next collection checks that it still presents its pinned host key.`}
        </Notice>
      );
    case 'confirmed':
      return (
        <Notice kind="ok">
          {`Moved from ${w.move.from} to ${w.move.to}; confirmed at ${w.at}: it presented its pinned host key there.`}
        </Notice>
      );
    case 'blocked':
      return (
        <HostKeyChanged
          action={`${hostHref(props.hostId)}/accept-key`}
          csrf={props.csrf}
          pinned={w.pinned}
          presented={w.presented}
          seenAt={w.seenAt}
        />
      );
  }
};

const TargetFacts = (props: { view: HostView; csrf: string }) => {
  const t = props.view.target!;
  const c = t.credential;
  const a = t.attempt;
  return (
    <>
      <dl class="facts">
        <dt>Login</dt>
        <dd>
          <code>{`${c.username}@${c.address}${c.port === 22 ? '' : `:${c.port}`}`}</code>
          {c.hasPassword ? ' (password stored)' : ''}
        </dd>
        <dt>Host key</dt>
        <dd>{t.hostKey ? <code>{t.hostKey.pinned.fingerprint}</code> : 'pinned at the first connection'}</dd>
        <dt>Last collection</dt>
        <dd>
          {!a ? (
            'never'
          ) : a.ok ? (
            <>
              {`${a.packages ?? 0} packages · `}
              <When at={a.finishedAt} />
            </>
          ) : (
            <>
              <When at={a.finishedAt} />
              {`: ${a.error ?? a.failure ?? 'failed'}`}
            </>
          )}
        </dd>
      </dl>
      <form
        method="post"
        action={`/inventory/hosts/${encodeURIComponent(c.hostId)}/collect`}
        style="display:inline"
      >
        <CsrfField token={props.csrf} />
        <button type="submit">Collect now</button>
      </form>
    </>
  );
};

export const ManageForm = (props: { view: HostView; csrf: string; values?: ManageValues | undefined }) => {
  const { view } = props;
  const c = view.target?.credential;
  const v = props.values ?? {};
  return (
    <form method="post" action={`${hostHref(view.host.id)}/manage`}>
      <CsrfField token={props.csrf} />
      <label>
        Address
        <input name="address" required value={v.address ?? c?.address ?? view.host.address ?? ''} />
      </label>
      <label>
        User{' '}
        <span class="hint">
          (any user can be inventoried; to deploy fixes it must be root or have passwordless sudo)
        </span>
        <input name="username" required autocomplete="off" value={v.username ?? c?.username ?? ''} />
      </label>
      <label>
        SSH port
        <input name="port" type="number" min={1} max={65535} value={String(v.port ?? c?.port ?? 22)} />
      </label>
      <label>
        Password <span class="hint">(optional, tried after the appliance key; never shown again)</span>
        <input name="password" type="password" autocomplete="new-password" />
      </label>
      <button type="submit">{c ? 'Save SSH access' : 'Manage this machine'}</button>
      <p class="hint">
        Or install the appliance key shown on the <a href="/inventory#appliance-key">Inventory</a> page in the
        user's <code>~/.ssh/authorized_keys</code>.
      </p>
    </form>
  );
};

export const SshAccessSection = (props: {
  view: HostView;
  csrf: string;
  error?: string | undefined;
  values?: ManageValues | undefined;
}) => {
  const { view } = props;
  return (
    <section class="card" id="ssh-access">
      <h2>SSH access</h2>
      <IdentityNotice identity={view.identity} hostId={view.host.id} csrf={props.csrf} />
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      {view.target ? (
        <>
          <TargetFacts view={view} csrf={props.csrf} />
          <details open={props.error !== undefined}>
            <summary>Change SSH access</summary>
            <ManageForm view={view} csrf={props.csrf} values={props.values} />
          </details>
        </>
      ) : view.manage.offer ? (
        <>
          <p>
            Give the appliance SSH access to see what this machine has installed and which fixes it misses.
          </p>
          <ManageForm view={view} csrf={props.csrf} values={props.values} />
        </>
      ) : (
        <p class="hint">{`Not managed over SSH: ${view.manage.why}.`}</p>
      )}
    </section>
  );
};
