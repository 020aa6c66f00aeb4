/**
 * The pieces of the Deployments list and of the plan preview: state and outcome words, ring
 * progress in one line, counts by host outcome, the list table, and a plan per host (upgrades,
 * hosts not applicable, removals the admin allowed by name). The deployment page is in deployment.tsx.
 */
import { KEEP_NEWEST } from '../../daemon/deploy/deploy-service.js';
import type { Deployment, HostState } from '../../daemon/deploy/deployment.js';
import type { DeploymentSummary, OutcomeCounts } from '../../daemon/deploy/deployment-summary.js';
import type { PlanPreview } from '../../daemon/deploy/new-deployment.js';
import type { HostOutcome } from '../../daemon/deploy/ports.js';
import { CsrfField } from './csrf-field.js';
import { hostHref } from './host-link.js';
import { inRingOrder } from './host-order.js';
import { Empty } from './layout.js';
import { Sev } from './patches.js';
import { counted } from './plural.js';
import { TableScroll } from './table-scroll.js';
import { When } from './when.js';

export const UNAVAILABLE =
  'Deployments are off on this appliance (deploy.enabled is false in config.json). Plans can be previewed; nothing can be created or run.';

export const deploymentHref = (id: string, rest = ''): string =>
  `/deployments/${encodeURIComponent(id)}${rest}`;

const STATE_CLASS: Record<Deployment['state'], string> = {
  draft: 'muted',
  running: 'warn',
  paused: 'warn',
  halted: 'warn',
  completed: 'ok',
  cancelled: 'muted',
};

export const StateWord = (props: { d: Pick<Deployment, 'state'> }) => (
  <strong class={STATE_CLASS[props.d.state]}>{props.d.state}</strong>
);

const OUTCOME_ORDER: HostOutcome[] = [
  'verified',
  'reboot-pending',
  'failed',
  'unreachable',
  'not-applicable',
];

export const outcomeText = (h: Pick<HostState, 'outcome' | 'phase'>): string =>
  h.outcome === 'reboot-pending'
    ? 'installed, reboot pending'
    : (h.outcome ?? (h.phase === 'pending' ? 'pending' : 'in progress'));

export const OutcomeWord = (props: { h: Pick<HostState, 'outcome' | 'phase'> }) => {
  const o = props.h.outcome;
  const bad = o === 'failed' || o === 'unreachable';
  return bad ? (
    <strong style="color:var(--bad)">{outcomeText(props.h)}</strong>
  ) : (
    <strong class={o === 'verified' ? 'ok' : o ? 'warn' : 'muted'}>{outcomeText(props.h)}</strong>
  );
};

/** "2 verified · 1 failed · 3 in progress"; a cancelled deployment's waiting hosts were "not run" (never "pending"). */
export const outcomeCounts = (counts: Readonly<OutcomeCounts>, state?: Deployment['state']): string => {
  const parts: string[] = [];
  for (const o of OUTCOME_ORDER) {
    const n = counts[o];
    if (n) parts.push(`${n} ${o === 'reboot-pending' ? 'reboot pending' : o}`);
  }
  if (counts['in-progress']) parts.push(`${counts['in-progress']} in progress`);
  if (counts.pending) parts.push(`${counts.pending} ${state === 'cancelled' ? 'not run' : 'pending'}`);
  return parts.join(' · ') || 'no hosts';
};

/** "ring 0 passed · ring 1 running · ring 2 pending", rings without hosts left out. */
/** A ring's state as a list says it: a cancelled deployment's rings that never ran were "not run". */
export const ringState = (d: Pick<Deployment, 'state'>, state: string): string =>
  d.state === 'cancelled' && state === 'pending' ? 'not run' : state;

export const ringLine = (d: DeploymentSummary): string =>
  d.rings
    .map((r, i) => ({ r, i, n: d.ringHosts(i) }))
    .filter((x) => x.n > 0)
    .map(({ r, i, n }) => `ring ${i} ${ringState(d, r.state)} (${n})`)
    .join(' · ');

export const DeploymentTable = (props: { rows: DeploymentSummary[]; label: (id: string) => string }) =>
  props.rows.length === 0 ? (
    <Empty>
      <p>
        No deployments yet. Pick advisories or hosts on <a href="/patches">Patches</a> and choose{' '}
        <em>Deploy selected</em> to preview a plan.
      </p>
    </Empty>
  ) : (
    <TableScroll label="Deployments">
      {/* On a phone each deployment is a card: its state stays in view, not beyond the card's edge. */}
      <table class="stack">
        <thead>
          <tr>
            <th>Deployment</th>
            <th>State</th>
            <th>Created</th>
            <th>Advisories</th>
            <th>Rings</th>
            <th>Hosts</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((d) => (
            <tr>
              <td>
                <a href={deploymentHref(d.id)}>{d.title}</a>
                <br />
                <code class="muted">{d.id}</code>
              </td>
              <td data-label="State">
                <StateWord d={d} />
              </td>
              <td data-label="Created">
                <When at={d.createdAt} />
                {` by ${d.createdBy}`}
              </td>
              <td data-label="Advisories">{Object.keys(d.advisories).join(', ')}</td>
              <td data-label="Rings">{ringLine(d)}</td>
              <td data-label="Hosts">{outcomeCounts(d.counts(), d.state)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );

/** Hidden fields carrying the request from the preview to the create form. */
const RequestFields = (props: { fields: Record<string, string[]> }) => (
  <>
    {Object.entries(props.fields).flatMap(([name, values]) =>
      values.map((v) => <input type="hidden" name={name} value={v} />),
    )}
  </>
);

export const PlanTable = (props: { preview: PlanPreview; label: (id: string) => string }) => {
  const { plan, placement } = props.preview;
  return (
    <TableScroll label="Plan">
      <table>
        <thead>
          <tr>
            <th>Host</th>
            <th>Group / ring</th>
            <th>Upgrades</th>
          </tr>
        </thead>
        <tbody>
          {inRingOrder(plan.changes, (c) => placement[c.hostId]?.ring ?? 2, props.label).map((c) => (
            <tr>
              <td>
                <a href={hostHref(c.hostId)}>{props.label(c.hostId)}</a>
                <br />
                <span class="muted">{c.ecosystem}</span>
              </td>
              <td>{`${placement[c.hostId]?.group ?? 'default'} / ring ${placement[c.hostId]?.ring ?? 2}`}</td>
              <td>
                {c.upgrades.map((u) => (
                  <div>
                    <code>{`${u.name} → ${u.version}`}</code>{' '}
                    <span class="muted">{u.advisories.join(' ')}</span>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
};

export const PlanPreviewView = (props: {
  preview: PlanPreview;
  label: (id: string) => string;
  fields: Record<string, string[]>;
  allowRemove: string[];
  csrf: string;
  canCreate: boolean;
}) => {
  const { plan } = props.preview;
  return (
    <>
      <section class="card">
        <h2>{`Advisories (${Object.keys(plan.advisories).length})`}</h2>
        <ul>
          {Object.entries(plan.advisories).map(([id, a]) => (
            <li>
              <Sev s={a.severity} /> <strong>{id}</strong> {a.summary}
            </li>
          ))}
        </ul>
      </section>
      <h2>{`Plan: ${plan.changes.length} host${plan.changes.length === 1 ? '' : 's'} to change`}</h2>
      {plan.changes.length ? (
        <>
          <PlanTable preview={props.preview} label={props.label} />
          <p class="hint">
            Before installing, each host runs a dry run (apt-get -s, dnf --assumeno, apk -s): the deployment
            page then shows the exact transaction, extra dependencies included. A host whose transaction would
            remove a package not allowed below stops there, naming it.
          </p>
        </>
      ) : null}
      {plan.notApplicable.length ? (
        <section class="card">
          <h2>{`Not applicable (${plan.notApplicable.length})`}</h2>
          <ul>
            {plan.notApplicable.map((n) => (
              <li>
                <a href={hostHref(n.hostId)}>{props.label(n.hostId)}</a>
                {`: ${n.reason}`}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <form method="post" action="/deployments" class="card" aria-label="Create the deployment">
        <CsrfField token={props.csrf} />
        <RequestFields fields={props.fields} />
        <p>
          <label>
            Title <input type="text" name="title" maxlength={200} placeholder="(from the advisories)" />
          </label>
        </p>
        <p>
          <label>
            Allow removing these packages (exact names; otherwise a plan that removes one is refused){' '}
            <input type="text" name="allowRemove" value={props.allowRemove.join(' ')} />
          </label>
        </p>
        <button type="submit" disabled={!props.canCreate || plan.changes.length === 0}>
          Create draft
        </button>{' '}
        <span class="hint">Nothing runs until it is approved and started.</span>
      </form>
    </>
  );
};

/**
 * How long finished deployments stay, as the daily removal does it: the newest few and any still
 * holding a host back are kept whatever their age; where the number of days is set.
 */
export const Retention = (props: { keepDays: number }) => (
  <p class="muted">
    {`A finished deployment is removed ${counted(props.keepDays, 'day')} after its last change, except the ${KEEP_NEWEST} newest and any still holding an update back (“Allow … again”); what it fixed stays in Reports. The days are `}
    <code>deploy.keepDays</code> in the settings file (
    <a href="/settings/config#file-only">Settings → Appliance settings, set in the file only</a>).
  </p>
);
