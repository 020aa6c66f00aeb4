/**
 * A deployment's host table: one page of 100 hosts at a time, all of them or only those that need
 * attention (failed, unreachable) or have not ended, so a 5,000-host deployment's page (and each
 * poll of it while it runs) is a hundred rows, not five thousand. The table's view travels in the
 * query string: links, the pager and the poll keep it.
 */
import type { Deployment, HostState } from '../../daemon/deploy/deployment.js';
import { updateKey } from '../../daemon/deploy/plan.js';
import { type Page, pageNumber, pageOf } from '../../daemon/paging.js';
import { CsrfField } from './csrf-field.js';
import { hasLog, notStartedWhy } from './deployment-notes.js';
import { deploymentHref, OutcomeWord } from './deployments.js';
import { FailureHistory } from './failure-history.js';
import { hostHref } from './host-link.js';
import { inRingOrder } from './host-order.js';
import { ActionsHeading } from './layout.js';
import { Pager } from './pager.js';
import { Reason } from './reason.js';
import { TableScroll } from './table-scroll.js';

const SHOWS = {
  all: { words: 'All', keep: (_h: HostState) => true },
  attention: {
    words: 'Need attention',
    keep: (h: HostState) => h.outcome === 'failed' || h.outcome === 'unreachable',
  },
  open: { words: 'Not ended', keep: (h: HostState) => h.outcome === undefined },
} as const;
type Show = keyof typeof SHOWS;

export interface HostView {
  show: Show;
  page: number;
}

/** The view a request asks for: anything unknown is all hosts, page 1. */
export const hostView = (query: (key: string) => string | undefined): HostView => {
  const show = query('hosts');
  return {
    show: show !== undefined && Object.hasOwn(SHOWS, show) ? (show as Show) : 'all',
    page: pageNumber(query('page')),
  };
};

/** The query string of a view (empty for the first page of all hosts). */
export const viewQuery = (v: HostView): string => {
  const q = new URLSearchParams();
  if (v.show !== 'all') q.set('hosts', v.show);
  if (v.page > 1) q.set('page', String(v.page));
  const text = q.toString();
  return text ? `?${text}` : '';
};

/** Posts to one of the deployment's actions; works without JavaScript (303 back to the page). */
export const Action = (props: {
  d: Deployment;
  path: string;
  csrf: string;
  label: string;
  fields?: Record<string, string>;
  /** Asked in the browser first (the route asks without JavaScript). */
  confirm?: string;
  /** A destructive action is styled as one, not as the primary button. */
  danger?: boolean;
}) => (
  <form
    method="post"
    action={deploymentHref(props.d.id, props.path)}
    class="stack"
    hx-confirm={props.confirm}
  >
    <CsrfField token={props.csrf} />
    {Object.entries(props.fields ?? {}).map(([k, v]) => (
      <input type="hidden" name={k} value={v} />
    ))}
    <button type="submit" class={props.danger ? 'danger' : undefined}>
      {props.label}
    </button>
  </form>
);

const HostActions = (props: { d: Deployment; h: HostState; csrf: string }) => {
  const { d, h, csrf } = props;
  const base = `/hosts/${encodeURIComponent(h.hostId)}`;
  const open = d.breakers.filter((b) => b.hostId === h.hostId && !b.resetAt);
  return (
    <>
      {open.map((b) => (
        <Action
          d={d}
          path={`${base}/reset-breaker`}
          csrf={csrf}
          label={`Allow ${b.update} again`}
          fields={{ update: b.update }}
        />
      ))}
      {open.length === 0 && (h.outcome === 'failed' || h.outcome === 'unreachable') ? (
        <Action d={d} path={`${base}/retry`} csrf={csrf} label="Retry host" />
      ) : null}
    </>
  );
};

/** A host that waits (for approval, for its window) says so under Outcome, in the daemon's words. */
const waitingShown = (h: HostState): boolean => h.waiting !== undefined && !h.outcome;

export const HostRow = (props: { d: Deployment; h: HostState; label: string; csrf: string }) => {
  const { d, h } = props;
  return (
    <tr>
      <td>
        <a href={hostHref(h.hostId)}>{props.label}</a>
      </td>
      <td data-label="Group / ring">{`${h.group} / ${h.ring}`}</td>
      <td data-label="Upgrades">
        {h.change.upgrades.map((u) => (
          <div>{updateKey(u)}</div>
        ))}
      </td>
      <td data-label="Phase">{h.phase}</td>
      <td data-label="Attempts">
        {h.retries ? `${h.attempts} (retry ${h.retries})` : h.attempts}
        <FailureHistory h={h} />
      </td>
      <td data-label="Outcome">
        <OutcomeWord h={h} />
        {h.reason ? (
          <div class="hint why">
            <Reason message={h.reason} />
          </div>
        ) : null}
        {waitingShown(h) ? <div class="hint why">{h.waiting}</div> : null}
      </td>
      <td>
        {hasLog(h) ? (
          <a href={deploymentHref(d.id, `/hosts/${encodeURIComponent(h.hostId)}`)}>log</a>
        ) : (
          // What it waits for is under Outcome already: said once, the row fits a laptop's width.
          <span class="hint">{waitingShown(h) ? 'no log yet' : `no log yet: ${notStartedWhy(d, h)}`}</span>
        )}
        <HostActions d={d} h={h} csrf={props.csrf} />
      </td>
    </tr>
  );
};

const Shows = (props: { d: Deployment; view: HostView; counts: Record<Show, number> }) => (
  <nav aria-label="Which hosts">
    {(Object.keys(SHOWS) as Show[]).map((show) => (
      <a
        href={deploymentHref(props.d.id, viewQuery({ show, page: 1 }))}
        aria-current={show === props.view.show ? 'page' : undefined}
      >
        {`${SHOWS[show].words} (${props.counts[show]})`}
      </a>
    ))}
  </nav>
);

/** The hosts of the view's page, in ring order, with links to the other views and pages. */
export const DeploymentHosts = (props: {
  d: Deployment;
  label: (id: string) => string;
  csrf: string;
  view: HostView;
}) => {
  const { d, view } = props;
  const counts = { all: 0, attention: 0, open: 0 };
  for (const h of d.hosts)
    for (const show of Object.keys(SHOWS) as Show[]) if (SHOWS[show].keep(h)) counts[show]++;
  const shown = d.hosts.filter(SHOWS[view.show].keep);
  const page: Page<HostState> = pageOf(
    inRingOrder(shown, (h) => h.ring, props.label),
    view.page,
  );
  return (
    <>
      <h2>Hosts</h2>
      {counts.all > page.size || counts.attention > 0 ? <Shows d={d} view={view} counts={counts} /> : null}
      {page.total === 0 ? (
        <p class="hint">{`No host here ${view.show === 'attention' ? 'needs attention' : 'is still to end'}.`}</p>
      ) : (
        <TableScroll label="Hosts">
          {/* On a phone each host is a card of labelled lines: its outcome and Retry stay in view. */}
          <table class="stack" aria-label="Hosts">
            <thead>
              <tr>
                <th>Host</th>
                <th>Group / ring</th>
                <th>Upgrades</th>
                <th>Phase</th>
                <th>Attempts</th>
                <th>Outcome</th>
                <ActionsHeading />
              </tr>
            </thead>
            <tbody>
              {page.items.map((h) => (
                <HostRow d={d} h={h} label={props.label(h.hostId)} csrf={props.csrf} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager
        page={page}
        href={(n) => deploymentHref(d.id, viewQuery({ show: view.show, page: n }))}
        label="Host pages"
      />
    </>
  );
};
