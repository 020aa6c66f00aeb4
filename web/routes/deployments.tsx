/**
 * Deployments: the list, a plan preview from the Patches selection (`/deployments/new`), creating
 * the draft, and one deployment's page with its actions (approve, run in windows or now, pause,
 * cancel, retry a host, reset a breaker), live progress and per-host logs. Every action is a
 * plain form post with CSRF answered by a 303 back to the page, so it works without JavaScript.
 * Without an SSH executor the appliance has no deployment service: the pages say so.
 */
import { type Context, Hono } from 'hono';
import { checkApprovalScope, deadlineOf } from '../../daemon/deploy/approval-input.js';
import type { DeployService } from '../../daemon/deploy/deploy-service.js';
import type { DeploymentState } from '../../daemon/deploy/deployment.js';
import {
  createInput,
  type DeployRequest,
  deployRequest,
  previewPlan,
} from '../../daemon/deploy/new-deployment.js';
import { type ApprovalScope, approvalScopeSchema } from '../../daemon/deploy/policy/approvals.js';
import { pendingScopes } from '../../daemon/deploy/policy/host-approval.js';
import { deploySettingsSchema } from '../../daemon/deploy/site-settings.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { APPROVE_ALL_QUESTION, Approvals, approveAllDetail } from '../views/approvals.js';
import { askFirst } from '../views/confirm.js';
import { CANCEL_DETAIL, CANCEL_QUESTION, HostLog, LiveProgress, sudoHint } from '../views/deployment.js';
import { hostView } from '../views/deployment-hosts.js';
import {
  DeploymentTable,
  deploymentHref,
  PlanPreviewView,
  Retention,
  UNAVAILABLE,
} from '../views/deployments.js';
import { Notice, renderPage } from '../views/layout.js';
import { When } from '../views/when.js';

export const requireDeploy = (deps: WebDeps): DeployService => {
  if (!deps.deploy) throw new DepotError('UNAVAILABLE', UNAVAILABLE);
  return deps.deploy;
};

const labelOf = (deps: WebDeps) => (id: string) => deps.hosts?.label(id) ?? id;

type Body = Record<string, string | File | (string | File)[]>;
const all = (body: Body, key: string): string[] => {
  const v = body[key] ?? body[`${key}[]`];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is string => typeof x === 'string',
  );
};
const one = (body: Body, key: string): string => all(body, key)[0] ?? '';

const requestFrom = (get: (key: string) => string[]): DeployRequest =>
  deployRequest({
    advisories: get('advisory'),
    packages: get('package'),
    hosts: get('host'),
    allowRemove: get('allowRemove'),
    title: get('title')[0],
  });

/** Who acts, as the audit log and the deployment name them: the signed-in account, not a fixed word. */
const actor = (c: Context<WebEnv>) => ({ by: c.get('user')?.name ?? 'unknown', from: c.get('remoteAddr') });

/**
 * What a plan is made from. Hosts may be named as the CLI takes them (an address, a MAC, an asset
 * id, an old id): each is resolved to its host id through the directory; a name it does not know
 * stays as typed, and the plan says it has no inventory.
 */
const planInputs = async (deps: WebDeps, asked: DeployRequest) => {
  if (!deps.assess) throw new DepotError('UNAVAILABLE', 'assessment is not running on this appliance');
  const site = await deps.assess.current();
  const settings = (await deps.deploySettings?.()) ?? deploySettingsSchema.parse({});
  const addressOf = (id: string) => deps.hosts?.get(id)?.address ?? undefined;
  const { hosts } = deps;
  const resolved = hosts
    ? await Promise.all(asked.hosts.map(async (ref) => (await hosts.resolve(ref))?.id ?? ref))
    : asked.hosts;
  const request = { ...asked, hosts: [...new Set(resolved)] };
  return { assessments: site.hosts, settings, addressOf, request };
};

const NOTICES = {
  created: 'Draft created. Approve what may run, then run it in the maintenance windows or now.',
  approved: 'Approved; the audit log below records who and when.',
  started: 'Started.',
  paused: 'Paused: nothing more starts, in any ring; hosts mid-step finish their step.',
  cancelled: 'Cancelled.',
  retried: 'The host runs again.',
  reset: 'Allowed again: press “Retry host” to run it.',
} as const;

/**
 * Notices that describe a state, and would be wrong once the deployment moved on: the address
 * keeps `?done=started` after the deployment halted or completed, and a reload showed "Started.".
 */
const NOTICE_WHILE: Partial<Record<keyof typeof NOTICES, readonly DeploymentState[]>> = {
  created: ['draft'],
  started: ['running'],
  paused: ['paused'],
  // After a retry the deployment runs; once it halted again or completed, "runs again" is stale.
  retried: ['running'],
};

const noticeFor = (done: string | undefined, state: DeploymentState): string | undefined => {
  if (!done || !Object.hasOwn(NOTICES, done)) return undefined;
  const key = done as keyof typeof NOTICES;
  const only = NOTICE_WHILE[key];
  return !only || only.includes(state) ? NOTICES[key] : undefined;
};

const scopeOf = (kind: string, value: string): ApprovalScope => {
  const v = value.trim();
  const parsed = approvalScopeSchema.safeParse(
    kind === 'advisory' ? { kind, id: v } : kind === 'package' ? { kind, name: v } : { kind, group: v },
  );
  if (!parsed.success)
    throw new DepotError('BAD_INPUT', 'approve: choose advisory, package or group and name it');
  return parsed.data;
};

/** What the deployment page polls while it runs: its state card. */
const liveFragment = async (deps: WebDeps, c: Context<WebEnv>) => {
  const deploy = requireDeploy(deps);
  const d = await deploy.get(c.req.param('id') ?? '');
  const label = labelOf(deps);
  const live = (
    <LiveProgress
      d={d}
      label={label}
      csrf={c.get('csrf')}
      now={Date.now()}
      view={hostView((k) => c.req.query(k))}
    />
  );
  if (d.state === 'running') return c.html(live);
  // The run stopped while the page was open: its Approvals card (no form once completed or
  // cancelled) is replaced too, else the page offers to approve what is over until a reload.
  const audit = (await deploy.audit.read()).filter((e) => e.deploymentId === d.id);
  return c.html(
    <>
      {live}
      <Approvals d={d} audit={audit} csrf={c.get('csrf')} label={label} oob />
    </>,
  );
};

const deploymentPage = async (deps: WebDeps, c: Context<WebEnv>) => {
  const deploy = requireDeploy(deps);
  const d = await deploy.get(c.req.param('id') ?? '');
  const audit = (await deploy.audit.read()).filter((e) => e.deploymentId === d.id);
  const notice = noticeFor(c.req.query('done'), d.state);
  const csrf = c.get('csrf');
  const approvals = <Approvals d={d} audit={audit} csrf={csrf} label={labelOf(deps)} />;
  return renderPage(
    c,
    { title: d.title },
    <>
      <p>
        <a href="/deployments">← all deployments</a>
      </p>
      <h1>{d.title}</h1>
      <p class="hint">
        <code>{d.id}</code>
        {' · created '}
        <When at={d.createdAt} />
        {` by ${d.createdBy} · advisories ${Object.keys(d.advisories).join(', ')}`}
      </p>
      {notice ? <Notice kind="ok">{notice}</Notice> : null}
      {/* A draft is approved, then run: its Approvals come before the Run buttons. */}
      {d.state === 'draft' ? approvals : null}
      <LiveProgress
        d={d}
        label={labelOf(deps)}
        csrf={csrf}
        now={Date.now()}
        view={hostView((k) => c.req.query(k))}
      />
      {d.state === 'draft' ? null : approvals}
      {d.notApplicable.length ? (
        <section class="card">
          <h2>Not applicable</h2>
          <ul>
            {d.notApplicable.map((n) => (
              <li>{`${labelOf(deps)(n.hostId)}: ${n.reason}`}</li>
            ))}
          </ul>
        </section>
      ) : null}
    </>,
  );
};

/** "Deploy selected" with nothing ticked: say so and lead back to where things are ticked. */
const nothingPicked = (c: Context<WebEnv>) =>
  renderPage(
    c,
    { title: 'New deployment', status: 400 },
    <>
      <h1>New deployment</h1>
      <Notice kind="error">
        Nothing is ticked: tick at least one advisory, package or host on Patches first.
      </Notice>
      <p>
        <a href="/patches">Back to Patches</a>
      </p>
    </>,
  );

const previewPage = async (deps: WebDeps, c: Context<WebEnv>) => {
  const picked = (k: string) => c.req.queries(k) ?? c.req.queries(`${k}[]`) ?? [];
  if (!['advisory', 'package', 'host'].some((k) => picked(k).length > 0)) return nothingPicked(c);
  const { settings, assessments, addressOf, request } = await planInputs(deps, requestFrom(picked));
  const preview = previewPlan(settings, assessments, request, addressOf);
  const fields = { advisory: request.advisories, package: request.packages, host: request.hosts };
  return renderPage(
    c,
    { title: 'New deployment' },
    <>
      <h1>New deployment: preview</h1>
      {deps.deploy ? null : <Notice kind="error">{UNAVAILABLE}</Notice>}
      <PlanPreviewView
        preview={preview}
        label={labelOf(deps)}
        fields={fields}
        allowRemove={request.allowRemove}
        csrf={c.get('csrf')}
        canCreate={deps.deploy !== undefined}
      />
    </>,
  );
};

/** Deployment actions: run the service call, then back to the page with a notice. */
const ACTIONS: Record<
  string,
  (deploy: DeployService, c: Context<WebEnv>, body: Body) => Promise<keyof typeof NOTICES>
> = {
  'approve-all': async (deploy, c, body) => {
    await deploy.approveAll(c.req.param('id') ?? '', actor(c), deadlineOf(one(body, 'deadline')));
    return 'approved';
  },
  approve: async (deploy, c, body) => {
    const scope = scopeOf(one(body, 'kind'), one(body, 'value'));
    checkApprovalScope(await deploy.get(c.req.param('id') ?? ''), scope);
    await deploy.approve(c.req.param('id') ?? '', scope, actor(c), deadlineOf(one(body, 'deadline')));
    return 'approved';
  },
  run: async (deploy, c, body) => {
    await deploy.run(c.req.param('id') ?? '', actor(c), { now: one(body, 'now') === '1' });
    return 'started';
  },
  pause: async (deploy, c) => {
    await deploy.pause(c.req.param('id') ?? '', actor(c));
    return 'paused';
  },
  cancel: async (deploy, c) => {
    await deploy.cancel(c.req.param('id') ?? '', actor(c));
    return 'cancelled';
  },
};

/** The state a second press of run, pause or cancel finds when the first one did it. */
const ALREADY: Record<string, DeploymentState> = { run: 'running', pause: 'paused', cancel: 'cancelled' };
const DONE_BY: Record<string, keyof typeof NOTICES> = {
  run: 'started',
  pause: 'paused',
  cancel: 'cancelled',
};

/** Cancelling drops the waiting hosts for good: a page asks first where the browser did not. */
const askToCancel = (c: Context<WebEnv>) =>
  askFirst(c, CANCEL_QUESTION, CANCEL_DETAIL, deploymentHref(c.req.param('id') ?? ''), {
    yes: 'Cancel the deployment',
    no: 'Keep it',
  });

/** Approving everything at once: a page says what first where the browser did not. */
const askToApproveAll = async (deploy: DeployService, c: Context<WebEnv>) => {
  const id = c.req.param('id') ?? '';
  const scopes = pendingScopes(await deploy.get(id), Date.now());
  if (scopes.length === 0) return undefined; // the service says "nothing is waiting"
  // A bad deadline is refused before the question, not after it was answered.
  const deadline = deadlineOf(one(await c.req.parseBody({ all: true }), 'deadline'));
  return askFirst(c, APPROVE_ALL_QUESTION, approveAllDetail(scopes, deadline), deploymentHref(id), {
    yes: `Approve all ${scopes.length}`,
    no: 'Back',
  });
};

const listPage = (deps: WebDeps, c: Context<WebEnv>, label: (id: string) => string) =>
  renderPage(
    c,
    { title: 'Deployments' },
    <>
      <h1>Deployments</h1>
      {deps.deploy ? (
        <>
          <DeploymentTable rows={deps.deploy.list()} label={label} />
          <Retention keepDays={deps.deploy.keepDays()} />
        </>
      ) : (
        <Notice kind="error">{UNAVAILABLE}</Notice>
      )}
    </>,
  );

/** Retry a host; a second press finds it running again: done, not "host h-… is queued". */
const retryHost = async (deps: WebDeps, c: Context<WebEnv>) => {
  const id = c.req.param('id') ?? '';
  const hostId = c.req.param('hostId') ?? '';
  const deploy = requireDeploy(deps);
  await deploy.retryHost(id, hostId, actor(c)).catch(async (err: unknown) => {
    const h = (await deploy.get(id)).hosts.find((x) => x.hostId === hostId);
    if (!(err instanceof DepotError && err.code === 'CONFLICT' && h?.retries && h.outcome === undefined))
      throw err;
  });
  return c.redirect(deploymentHref(id, '?done=retried'), 303);
};

export const deploymentsRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  const label = labelOf(deps);

  app.get('/deployments', (c) => listPage(deps, c, label));

  app.get('/deployments/new', (c) => previewPage(deps, c));

  app.post('/deployments', async (c) => {
    const deploy = requireDeploy(deps);
    const body = await c.req.parseBody({ all: true });
    const { settings, assessments, addressOf, request } = await planInputs(
      deps,
      requestFrom((k) => all(body, k)),
    );
    const d = await deploy.create(createInput(settings, assessments, request, addressOf), actor(c));
    return c.redirect(deploymentHref(d.id, '?done=created'), 303);
  });

  app.get('/deployments/:id', (c) => deploymentPage(deps, c));

  app.get('/deployments/:id/live', (c) => liveFragment(deps, c));

  app.post('/deployments/:id/:action{approve-all|approve|run|pause|cancel}', async (c) => {
    const deploy = requireDeploy(deps);
    const action = c.req.param('action');
    const ask =
      action === 'cancel'
        ? await askToCancel(c)
        : action === 'approve-all'
          ? await askToApproveAll(deploy, c)
          : undefined;
    if (ask) return ask;
    const body = await c.req.parseBody({ all: true });
    const done = await ACTIONS[action]!(deploy, c, body).catch(async (err: unknown) => {
      // A second press (a double click, another admin first) finds it done: not an error.
      const state =
        err instanceof DepotError && err.code === 'CONFLICT' && deploy.summary(c.req.param('id')).state;
      if (state && ALREADY[action] === state) return DONE_BY[action]!;
      throw err;
    });
    return c.redirect(deploymentHref(c.req.param('id'), `?done=${done}`), 303);
  });

  app.get('/deployments/:id/hosts/:hostId', async (c) => {
    const d = await requireDeploy(deps).get(c.req.param('id'));
    const hostId = c.req.param('hostId');
    const h = d.hosts.find((x) => x.hostId === hostId);
    if (!h) throw new DepotError('NOT_FOUND', `host ${hostId.slice(0, 80)} is not in deployment ${d.id}`);
    const username = (await deps.inventory?.credentials.view(hostId))?.username;
    return renderPage(
      c,
      { title: `${label(hostId)} · ${d.title}` },
      <HostLog d={d} h={h} label={label(hostId)} sudo={sudoHint(h, username)} />,
    );
  });

  app.post('/deployments/:id/hosts/:hostId/retry', (c) => retryHost(deps, c));

  app.post('/deployments/:id/hosts/:hostId/reset-breaker', async (c) => {
    const deploy = requireDeploy(deps);
    const id = c.req.param('id');
    const hostId = c.req.param('hostId');
    if (!deploy.summary(id).host(hostId))
      throw new DepotError('NOT_FOUND', `host ${hostId.slice(0, 80)} is not in deployment ${id}`);
    const body = await c.req.parseBody({ all: true });
    const update = one(body, 'update');
    // A second press (a double click, a page left open, another admin first): already allowed is done.
    const allowed = async () =>
      (await deploy.get(id)).breakers.some((b) => b.hostId === hostId && b.update === update && b.resetAt);
    await deploy.resetBreaker(hostId, update, actor(c)).catch(async (err: unknown) => {
      if (!(err instanceof DepotError && err.code === 'NOT_FOUND' && (await allowed()))) throw err;
    });
    return c.redirect(deploymentHref(id, '?done=reset'), 303);
  });

  return app;
};
