/** A deployment's approvals: the form (advisory, package or host group, optional deadline) and the audit log's who, when and from where. */
import type { AuditEntry } from '../../daemon/deploy/approval-log.js';
import type { Deployment } from '../../daemon/deploy/deployment.js';
import { type ApprovalScope, scopeText } from '../../daemon/deploy/policy/approvals.js';
import { pendingScopes } from '../../daemon/deploy/policy/host-approval.js';
import { CsrfField } from './csrf-field.js';
import { deploymentHref } from './deployments.js';
import { TableScroll } from './table-scroll.js';
import { When } from './when.js';

/** A draft of one advisory: that is what to approve, so the field holds it (a placeholder looked filled in). */
const oneAdvisory = (d: Deployment): string | undefined => {
  const ids = Object.keys(d.advisories);
  return ids.length === 1 ? ids[0] : undefined;
};

/** The log's actions in the page's words (the buttons say "Allow … again", not "reset breaker"). */
const ACTION_WORDS: Record<AuditEntry['action'], string> = {
  approve: 'approve',
  revoke: 'revoke',
  'reset-breaker': 'allow again',
  'run-now': 'run now',
  pause: 'pause',
  resume: 'resume',
  cancel: 'cancel',
  start: 'start',
};

/** What an approval did: its action, scope, detail (hosts named as the host table names them) and deadline. */
const ApprovalWhat = (props: { e: AuditEntry; label: (hostId: string) => string }) => {
  const { e } = props;
  const detail = e.detail?.replace(/\bh-[0-9a-f]{10}\b/g, (id) => props.label(id));
  return (
    <>
      {ACTION_WORDS[e.action]}
      {e.scope ? ` ${scopeText(e.scope)}` : ''}
      {detail ? ` (${detail})` : ''}
      {e.deadline ? ' · deadline ' : ''}
      {e.deadline ? <When at={e.deadline} /> : null}
    </>
  );
};

/** Approve an advisory, a package glob or a host group, with an optional deadline. */
const ApproveForm = ({ d, csrf }: { d: Deployment; csrf: string }) => {
  const packages = [...new Set(d.hosts.flatMap((h) => h.change.upgrades.map((u) => u.name)))];
  const groups = [...new Set(d.hosts.map((h) => h.group))];
  return (
    <form method="post" action={deploymentHref(d.id, '/approve')} aria-label="Approve">
      <CsrfField token={csrf} />
      <label>
        Approve{' '}
        <select name="kind">
          <option value="advisory">advisory</option>
          <option value="package">package (glob)</option>
          <option value="group">host group</option>
        </select>
      </label>{' '}
      <input
        type="text"
        name="value"
        list="approve-values"
        required
        value={oneAdvisory(d)}
        placeholder={Object.keys(d.advisories)[0] ?? ''}
        aria-label="The advisory, package or host group to approve"
      />
      <datalist id="approve-values">
        {[...Object.keys(d.advisories), ...packages, ...groups].map((v) => (
          <option value={v} />
        ))}
      </datalist>{' '}
      <label>
        Deadline (optional, UTC) <input type="datetime-local" name="deadline" />
      </label>{' '}
      <button type="submit">Approve</button>
    </form>
  );
};

export const APPROVE_ALL_QUESTION = 'Approve everything that is waiting?';

/** What "Approve all" approves, in words: asked in the browser, and on the page without JavaScript. */
export const approveAllDetail = (scopes: readonly ApprovalScope[], deadline?: string): string =>
  `This approves ${scopes.map(scopeText).join(', ')}: each is logged as its own approval, by you, now${
    deadline ? `, with the deadline ${deadline.slice(0, 16).replace('T', ' ')} UTC` : ''
  }.`;

/** One button for every advisory (or package) still waiting, when something is. */
const ApproveAll = ({ d, csrf }: { d: Deployment; csrf: string }) => {
  const scopes = pendingScopes(d, Date.now());
  if (scopes.length === 0) return null;
  return (
    <form
      method="post"
      action={deploymentHref(d.id, '/approve-all')}
      aria-label="Approve all"
      hx-confirm={`${APPROVE_ALL_QUESTION} ${approveAllDetail(scopes)}`}
    >
      <CsrfField token={csrf} />
      <label>
        Deadline for all (optional, UTC) <input type="datetime-local" name="deadline" />
      </label>{' '}
      <button type="submit">{`Approve all ${scopes.length} waiting`}</button>{' '}
      <span class="hint">{scopes.map(scopeText).join(', ')}</span>
    </form>
  );
};

export const Approvals = (props: {
  d: Deployment;
  audit: AuditEntry[];
  csrf: string;
  label: (hostId: string) => string;
  /** Sent with the last poll of a run that stopped: htmx swaps it in place of the stale one. */
  oob?: boolean;
}) => {
  const { d } = props;
  const open = d.state !== 'completed' && d.state !== 'cancelled';
  return (
    <section class="card" id="approvals" hx-swap-oob={props.oob ? 'true' : undefined}>
      <h2>Approvals</h2>
      {open ? <ApproveForm d={d} csrf={props.csrf} /> : null}
      {open ? <ApproveAll d={d} csrf={props.csrf} /> : null}
      {props.audit.length === 0 ? (
        <p class="hint">
          Nothing approved or started yet. Auto-approval rules:{' '}
          {d.policy.rules.length
            ? d.policy.rules
                .map((r) => (r.kind === 'never' ? `never ${r.packages}` : `auto ≥ ${r.minSeverity}`))
                .join('; ')
            : 'none'}
          .
        </p>
      ) : (
        <TableScroll label="Approvals">
          <table class="stack">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>From</th>
                <th>What</th>
              </tr>
            </thead>
            <tbody>
              {props.audit.map((e) => (
                <tr>
                  <td data-label="When">
                    <When at={e.at} />
                  </td>
                  <td data-label="Who">{e.by}</td>
                  <td data-label="From">{e.from}</td>
                  <td data-label="What">
                    <ApprovalWhat e={e} label={props.label} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
};
