/**
 * Settings → Scopes of management: the subnets discovery may probe, what to leave alone, and how
 * often to scan. The appliance's directly connected subnets are offered as suggestions, never
 * scanned until an admin saves them as a scope.
 */

import { type Context, Hono } from 'hono';
import { ClientAllowList } from '../../daemon/address-list.js';
import type { DiscoveryService } from '../../daemon/discovery/discovery-service.js';
import type { LocalSubnet } from '../../daemon/discovery/ports.js';
import { parseScopeForm, SCHEDULE_CHOICES, type ScopeRecord } from '../../daemon/discovery/scope-record.js';
import { DepotError, httpStatusFor } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { askFirst } from '../views/confirm.js';
import { CsrfField } from '../views/csrf-field.js';
import { JobLink } from '../views/job-link.js';
import { Empty, Notice, renderPage } from '../views/layout.js';
import { settingName } from '../views/reason.js';
import { When } from '../views/when.js';
import { requireDiscovery } from './discovery.js';

interface FormValues {
  name: string;
  include: string;
  exclude: string;
  everyMinutes: string;
  enabled: boolean;
}

const valuesOf = (s: ScopeRecord): FormValues => ({
  name: s.name,
  include: s.include.join('\n'),
  exclude: s.exclude.join('\n'),
  everyMinutes: s.everyMinutes === null ? '' : String(s.everyMinutes),
  enabled: s.enabled,
});

const ScopeForm = (props: {
  action: string;
  csrf: string;
  values: FormValues;
  submit: string;
  max: number;
}) => (
  <form method="post" action={props.action}>
    <CsrfField token={props.csrf} />
    <label>
      Name
      <input name="name" value={props.values.name} required maxlength={80} placeholder="Office LAN" />
    </label>
    <label>
      Include (one per line: 192.168.1.0/24, 10.0.0.10-50, 10.0.0.7)
      <textarea name="include" rows={3} required>
        {props.values.include}
      </textarea>
    </label>
    <label>
      Exclude (never probed: fragile devices, other people's networks)
      <textarea name="exclude" rows={2}>
        {props.values.exclude}
      </textarea>
    </label>
    <label>
      Schedule
      <select name="everyMinutes">
        {SCHEDULE_CHOICES.map(([value, label]) => (
          <option
            value={value === null ? '' : String(value)}
            selected={props.values.everyMinutes === (value === null ? '' : String(value))}
          >
            {label}
          </option>
        ))}
      </select>
    </label>
    <label style="display:flex;gap:.5rem;align-items:center">
      <input type="checkbox" name="enabled" checked={props.values.enabled} style="width:auto;margin:0" />
      Follow the schedule above (untick to pause it; “On demand only” has nothing to follow; Scan now on
      Assets works either way)
    </label>
    <p class="hint">
      At most {props.max.toLocaleString('en')} addresses per scope (
      {settingName('discovery.maxScopeAddresses')}).
    </p>
    <button type="submit">{props.submit}</button>
  </form>
);

const DeleteScope = (props: { id: string; name: string; csrf: string }) => (
  <form
    method="post"
    action={`/settings/scopes/${props.id}/delete`}
    style="margin-top:.5rem"
    hx-confirm={`Delete the scope "${props.name}"? Discovery stops probing its subnets.`}
  >
    <CsrfField token={props.csrf} />
    <button type="submit" class="danger">
      Delete this scope
    </button>
  </form>
);

/** What the appliance is connected to: the subnets offered as scopes, and the WAN link that is not. */
const Connected = (props: { suggestions: readonly LocalSubnet[]; uplinks: readonly LocalSubnet[] }) => {
  const { suggestions, uplinks } = props;
  return (
    <>
      {suggestions.length ? (
        <p class="hint">
          This appliance is directly connected to{' '}
          {suggestions.map((s, i) => (
            <>
              {i ? ', ' : ''}
              <code>{s.cidr}</code> ({s.interface})
            </>
          ))}
          . Confirm one by saving it below; nothing is scanned before that.
        </p>
      ) : null}
      {uplinks.length ? (
        <p class="hint">
          Not offered:{' '}
          {uplinks.map((s, i) => (
            <>
              {i ? ', ' : ''}
              <code>{s.cidr}</code> ({s.interface})
            </>
          ))}
          , which carries the default route: the way out to the vendors (the WAN link), not a LAN to scan.
          Type it below if it is one.
        </p>
      ) : null}
    </>
  );
};

/**
 * The scope the add form starts with: the appliance's own subnet, the one the technician's browser
 * is on when there are several (a Pi with Wi-Fi and Ethernet). Only a suggestion: saved when submitted.
 */
export const suggestedScope = (suggestions: readonly LocalSubnet[], client: string): FormValues => {
  const s = suggestions.find((x) => new ClientAllowList([x.cidr]).allows(client)) ?? suggestions[0];
  return {
    name: s ? `LAN on ${s.interface}` : '',
    include: s?.cidr ?? '',
    exclude: '',
    everyMinutes: '',
    enabled: true,
  };
};

const Page = (props: {
  d: DiscoveryService;
  csrf: string;
  client: string;
  notice?: { kind: 'error' | 'ok'; text: string } | undefined;
  draft?: FormValues | undefined;
}) => {
  const scopes = props.d.scopes();
  const suggestions = props.d.suggestions();
  return (
    <>
      <p>
        <a href="/settings">← Settings</a>
      </p>
      <h1>Scopes of management</h1>
      {props.notice ? <Notice kind={props.notice.kind}>{props.notice.text}</Notice> : null}
      {scopes.length === 0 ? (
        <Empty>
          <p>
            <strong>No scope yet: discovery sends nothing.</strong> Add the subnets this appliance may scan.
          </p>
        </Empty>
      ) : (
        scopes.map((s) => (
          <section class="card">
            <h2>{s.name}</h2>
            <p class="hint">
              Last scan: <When at={s.lastScanAt} never="never" />
              {s.lastScanId ? (
                <>
                  {' ('}
                  <JobLink id={s.lastScanId} label="log" />)
                </>
              ) : null}
            </p>
            <ScopeForm
              action={`/settings/scopes/${s.id}`}
              csrf={props.csrf}
              values={valuesOf(s)}
              submit="Save"
              max={props.d.maxScopeAddresses}
            />
            <DeleteScope id={s.id} name={s.name} csrf={props.csrf} />
          </section>
        ))
      )}
      <section class="card">
        <h2>Add a scope</h2>
        <Connected suggestions={suggestions} uplinks={props.d.uplinks()} />
        <ScopeForm
          action="/settings/scopes"
          csrf={props.csrf}
          values={props.draft ?? suggestedScope(suggestions, props.client)}
          submit="Add scope"
          max={props.d.maxScopeAddresses}
        />
      </section>
    </>
  );
};

export const scopesRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  app.get('/settings/scopes', (c) =>
    renderPage(
      c,
      { title: 'Scopes' },
      <Page d={requireDiscovery(deps)} csrf={c.get('csrf')} client={c.get('remoteAddr')} />,
    ),
  );

  const save = async (c: Context<WebEnv>, id: string | undefined) => {
    const d = requireDiscovery(deps);
    const body = await c.req.parseBody();
    try {
      const input = parseScopeForm(body, d.maxScopeAddresses);
      if (id) await d.updateScope(id, input);
      else await d.createScope(input);
      return c.redirect('/settings/scopes', 303);
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      const str = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
      // Keep what the admin typed: a typo must not cost the whole form.
      const draft: FormValues = {
        name: str('name'),
        include: str('include'),
        exclude: str('exclude'),
        everyMinutes: str('everyMinutes'),
        enabled: str('enabled') === 'on',
      };
      return renderPage(
        c,
        { title: 'Scopes', status: httpStatusFor(err.code) },
        <Page
          d={d}
          csrf={c.get('csrf')}
          client={c.get('remoteAddr')}
          notice={{ kind: 'error', text: err.message }}
          draft={id ? undefined : draft}
        />,
      );
    }
  };
  app.post('/settings/scopes', (c) => save(c, undefined));
  app.post('/settings/scopes/:id', (c) => save(c, c.req.param('id')));
  app.post('/settings/scopes/:id/delete', async (c) => {
    const ask = await askFirst(
      c,
      'Delete this scope?',
      'Discovery stops probing its subnets at once; devices already found stay in the inventory.',
      '/settings/scopes',
    );
    if (ask) return ask;
    await requireDiscovery(deps).deleteScope(c.req.param('id'));
    return c.redirect('/settings/scopes', 303);
  });
  return app;
};
