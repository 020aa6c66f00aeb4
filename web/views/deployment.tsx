/**
 * One deployment's page: its actions (run in windows or now, pause, cancel), approvals
 * (approvals.tsx), ring status with the gates, live per-host progress (polled while the
 * deployment runs) and one host's step log with each command, its output and exit status.
 */
import type { Deployment, HostState } from '../../daemon/deploy/deployment.js';
import { isHostDone, isSuccess } from '../../daemon/deploy/deployment.js';
import { liveSummary } from '../../daemon/deploy/deployment-summary.js';
import { hostApproval } from '../../daemon/deploy/policy/host-approval.js';
import { DEBIAN_ROOT_PROGRAMS, sudoersLine } from '../../daemon/remote/sudo.js';
import { Action, DeploymentHosts, type HostView, viewQuery } from './deployment-hosts.js';
import { namedHosts, notStartedWhy } from './deployment-notes.js';
import { deploymentHref, outcomeCounts, ringState, StateWord } from './deployments.js';
import { Notice } from './layout.js';
import { counted } from './plural.js';
import { Reason } from './reason.js';
import { TableScroll } from './table-scroll.js';
import { asTerminalShows } from './terminal-lines.js';
import { When } from './when.js';

const HOUR = 3_600_000;
const hours = (ms: number): string =>
  ms >= HOUR ? `${Math.round((ms / HOUR) * 10) / 10} h` : `${Math.ceil(ms / 60_000)} min`;

export const CANCEL_QUESTION = 'Cancel this deployment?';
export const CANCEL_DETAIL =
  'Hosts still waiting are dropped and it cannot be resumed; a host already installing finishes. Hosts already patched stay patched.';

/** How many of the hosts still to run wait for an approval, said before "run" is pressed. */
const Unapproved = (props: { d: Deployment }) => {
  const open = props.d.hosts.filter((h) => !isHostDone(h));
  const now = Date.now();
  const waiting = open.filter((h) => !hostApproval(props.d, h, now).approved).length;
  if (waiting === 0) return null;
  return (
    <Notice kind="info">
      {waiting === open.length
        ? 'Nothing here is approved yet: running it starts no host until its fixes are approved (the Approvals card).'
        : `${counted(waiting, 'host')} of ${open.length} wait for an approval: they start only once their fixes are approved (the Approvals card).`}
    </Notice>
  );
};

export const Actions = (props: { d: Deployment; csrf: string }) => {
  const { d, csrf } = props;
  const startable = d.state === 'draft' || d.state === 'paused';
  return (
    <div id="actions">
      {startable ? (
        <>
          <Unapproved d={d} />
          <Action
            d={d}
            path="/run"
            csrf={csrf}
            label={d.state === 'draft' ? 'Run in maintenance windows' : 'Resume in maintenance windows'}
          />
          <Action
            d={d}
            path="/run"
            csrf={csrf}
            label="Run now (ignore maintenance windows)"
            fields={{ now: '1' }}
          />
        </>
      ) : null}
      {d.state === 'running' ? <Action d={d} path="/pause" csrf={csrf} label="Pause" /> : null}
      {d.state !== 'completed' && d.state !== 'cancelled' ? (
        <Action
          d={d}
          path="/cancel"
          csrf={csrf}
          label="Cancel deployment"
          confirm={`${CANCEL_QUESTION} ${CANCEL_DETAIL}`}
          danger
        />
      ) : null}
      {/* An ended deployment runs nothing more: "hosts start when approved" read as if they would. */}
      {d.state === 'completed' || d.state === 'cancelled' ? null : (
        <p class="hint">
          {d.policy.now
            ? 'Runs now: maintenance windows do not hold hosts back.'
            : `Runs inside each group's maintenance window${
                Object.keys(d.policy.windows).length
                  ? ` (${Object.entries(d.policy.windows)
                      .map(([g, w]) => `${g}: ${w.text} ${w.zone}`)
                      .join('; ')})`
                  : ': no group has one, so hosts start when approved'
              }.`}
        </p>
      )}
    </div>
  );
};

/** One ring: its state, the gate's numbers against the policy, soak time left, why it halted. */
const RingRow = (props: { d: Deployment; ring: number; now: number; named: (text: string) => string }) => {
  const { d, ring, now } = props;
  const r = d.rings[ring]!;
  const hosts = d.hosts.filter((h) => h.ring === ring);
  const counted = hosts.filter((h) => isHostDone(h) && h.outcome !== 'not-applicable');
  const ok = counted.filter(isSuccess).length;
  const gate = d.policy.gate;
  const rate = counted.length ? Math.round((ok / counted.length) * 100) : undefined;
  const soakLeft = r.state === 'soaking' && r.doneAt ? Date.parse(r.doneAt) + gate.soakMs - now : undefined;
  const last = !d.hosts.some((h) => h.ring > ring);
  return (
    <tr>
      <td data-label="Ring">{`ring ${ring}${ring === 0 ? ' (pilot)' : ''}: ${[...new Set(hosts.map((h) => h.group))].join(', ')}`}</td>
      <td data-label="State">
        <strong class={r.state === 'passed' ? 'ok' : r.state === 'pending' ? 'muted' : 'warn'}>
          {ringState(d, r.state)}
        </strong>
        {r.batch ? ` · batch ${r.batch}` : ''}
      </td>
      <td data-label="Hosts">{hosts.length}</td>
      <td data-label="Success rate">{`${rate === undefined ? '—' : `${rate}%`} (needs ${Math.round(gate.minSuccessRate * 100)}%)`}</td>
      <td data-label="Verified">{`${ok} (needs ${gate.minVerified})`}</td>
      <td class="prose" data-label="Soak">
        {soakLeft !== undefined
          ? `${hours(Math.max(0, soakLeft))} left`
          : last
            ? '— (last ring)'
            : gate.soakMs > 0
              ? `${hours(gate.soakMs)} after the ring ends`
              : 'none: the next ring starts when this one passes'}
      </td>
      <td data-label="Why halted">{r.note ? <div class="why">{props.named(r.note)}</div> : ''}</td>
    </tr>
  );
};

export const Rings = (props: { d: Deployment; now: number; named: (text: string) => string }) => (
  <TableScroll label="Rings">
    <table class="stack" aria-label="Rings">
      <thead>
        <tr>
          <th>Ring</th>
          <th>State</th>
          <th>Hosts</th>
          <th>Success rate</th>
          <th>Verified</th>
          <th>Soak</th>
          <th>Why halted</th>
        </tr>
      </thead>
      <tbody>
        {[0, 1, 2]
          .filter((i) => props.d.hosts.some((h) => h.ring === i))
          .map((i) => (
            <RingRow d={props.d} ring={i} now={props.now} named={props.named} />
          ))}
      </tbody>
    </table>
  </TableScroll>
);

/** Rings and hosts; re-fetched every 2 s while the deployment runs, plain once it stops. */
export const LiveProgress = (props: {
  d: Deployment;
  label: (id: string) => string;
  csrf: string;
  now: number;
  /** Which hosts the table shows, and its page (kept by each poll). */
  view: HostView;
}) => {
  const { d } = props;
  // A halt's note is stored with host ids; the page names the hosts as its host table does.
  const named = (text: string) => namedHosts(text, d.hosts, props.label);
  const poll =
    d.state === 'running'
      ? {
          'hx-get': deploymentHref(d.id, `/live${viewQuery(props.view)}`),
          'hx-trigger': 'every 2s',
          'hx-swap': 'outerHTML',
        }
      : {};
  return (
    <section class="card" id="deployment-live" {...poll}>
      <h2>
        State: <StateWord d={d} /> <span class="hint">{outcomeCounts(liveSummary(d).counts(), d.state)}</span>
      </h2>
      {d.note ? <p class="notice error">{named(d.note)}</p> : null}
      {d.state === 'halted' ? (
        <p class="hint">
          To go on: fix the cause on each failed host (its log says why), press “Allow … again” for its update
          if offered, then “Retry host”: the ring goes on from there. Or cancel the deployment.
        </p>
      ) : null}
      <Actions d={d} csrf={props.csrf} />
      <Rings d={d} now={props.now} named={named} />
      <DeploymentHosts d={d} label={props.label} csrf={props.csrf} view={props.view} />
    </section>
  );
};

const SUDOERS = /(\S+ ALL=\(root\) NOPASSWD:[^\n]*)/;

/**
 * The exact sudoers line when the host's SSH user may not run the package tools as root: the one
 * the executor put in its message, else the Debian programs for `username`.
 */
export const sudoHint = (h: HostState, username: string | undefined): string | undefined => {
  const texts = [h.reason ?? '', ...h.failures.map((f) => f.reason), ...h.steps.map((s) => s.stderr)];
  for (const t of texts) {
    const m = SUDOERS.exec(t);
    if (m) return m[1];
  }
  if (!texts.some((t) => /\bsudo\b/.test(t)) || h.change.ecosystem !== 'dpkg' || !username) return undefined;
  return sudoersLine(username, DEBIAN_ROOT_PROGRAMS);
};

export const HostLog = (props: { d: Deployment; h: HostState; label: string; sudo: string | undefined }) => {
  const { d, h } = props;
  return (
    <>
      <p>
        <a href={deploymentHref(d.id)}>{`← ${d.title}`}</a>
      </p>
      <h1>{`${props.label}: ${h.outcome ? h.outcome : h.phase}`}</h1>
      {h.reason ? (
        <p class="notice error">
          <Reason message={h.reason} />
        </p>
      ) : null}
      {props.sudo ? (
        <section class="card" id="sudo">
          <h2>Let the SSH user run the package tools as root</h2>
          <p>
            Add this line to <code>/etc/sudoers.d/patch-depot</code> on the host (check it with{' '}
            <code>visudo -cf /etc/sudoers.d/patch-depot</code>), then retry the host:
          </p>
          <pre>
            <code>{props.sudo}</code>
          </pre>
        </section>
      ) : null}
      {h.dryRun ? (
        <section class="card">
          <h2>Dry run</h2>
          <ul>
            {h.dryRun.map((a) => (
              <li>{`${a.action} ${a.name}${a.from ? ` ${a.from}` : ''}${a.to ? ` → ${a.to}` : ''}`}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <h2>{`Steps (${h.steps.length})`}</h2>
      {h.steps.length === 0 ? (
        <p class="hint">{`No step has run on this host yet: ${notStartedWhy(d, h)}.`}</p>
      ) : null}
      {h.steps.map((s) => (
        <section class="card">
          <h2>
            {s.step}{' '}
            <span
              class={s.exitCode === 0 ? 'ok' : 'warn'}
            >{`exit ${s.exitCode ?? 'none (signal or lost connection)'}`}</span>{' '}
            <span class="hint">
              <When at={s.startedAt} never="—" /> → <When at={s.finishedAt} never="—" />
              {s.truncated ? ' · output cut at the cap' : ''}
            </span>
          </h2>
          <pre>
            <code>{`$ ${s.command}`}</code>
          </pre>
          <h3>stdout</h3>
          <pre>{asTerminalShows(s.stdout) || '(empty)'}</pre>
          <h3>stderr</h3>
          <pre>{asTerminalShows(s.stderr) || '(empty)'}</pre>
        </section>
      ))}
    </>
  );
};
