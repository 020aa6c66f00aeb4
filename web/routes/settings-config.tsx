/**
 * Settings → Appliance settings (/settings/config): admins change config.json from forms checked by
 * the config schema. Each form carries the file's version: a file changed meanwhile (by hand, or
 * in another browser) is not overwritten; the page says so and keeps what was typed.
 */
import { type Context, Hono } from 'hono';
import { DepotError } from '../../daemon/errors.js';
import type { ConfigFileState, SettingChange } from '../../daemon/settings/config-file.js';
import { type ChangeOutcome, getPath, type SettingsService } from '../../daemon/settings/settings-service.js';
import type { WebDeps, WebEnv } from '../env.js';
import { askFirst } from '../views/confirm.js';
import type { KnownHost } from '../views/group-form.js';
import { renderPage } from '../views/layout.js';
import { SettingsConfigView } from '../views/settings-config.js';
import {
  labelOf,
  parseSection,
  type SettingsView,
  sectionById,
  titleInSentence,
} from '../views/settings-fields.js';

export type PageExtras = Partial<Pick<SettingsView, 'notice' | 'posted' | 'feed' | 'group' | 'editGroup'>> & {
  status?: 400 | 404 | 409;
};

export const needSettings = (deps: WebDeps): SettingsService => {
  if (!deps.settings)
    throw new DepotError('UNAVAILABLE', 'settings cannot be changed from the UI in this build');
  return deps.settings;
};

/**
 * The machines the group editor knows: every host in the directory, by the name pages show, each
 * that is not patched over SSH (the appliance itself, a printer, a TV) saying why.
 */
export const knownHostsOf = (deps: WebDeps): KnownHost[] => {
  const hosts = deps.hosts;
  if (!hosts) return [];
  return hosts
    .list()
    .map((h) => {
      const manage = hosts.manageability(h.id);
      const name = hosts.label(h.id);
      return {
        id: h.id,
        name,
        address: h.address ?? undefined,
        notTarget: manage.offer ? undefined : manage.why,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }) || a.id.localeCompare(b.id));
};

export const configPage = async (c: Context<WebEnv>, deps: WebDeps, extras: PageExtras = {}) => {
  const settings = needSettings(deps);
  const state = await settings.read();
  const role = c.get('user')?.role;
  return renderPage(
    c,
    { title: 'Appliance settings', status: extras.status },
    <SettingsConfigView
      view={{
        csrf: c.get('csrf'),
        state,
        file: settings.file.path,
        restart: settings.restartNeeded(state),
        overriddenBy: (p) => settings.overriddenBy(p),
        canSync: role === 'admin' || role === 'operator',
        knownHosts: knownHostsOf(deps),
        ...extras,
      }}
    />,
  );
};

export const actorOf = (c: Context<WebEnv>) => ({
  user: c.get('user')?.name ?? '-',
  role: c.get('user')?.role,
  from: c.get('remoteAddr'),
  request: `${c.req.method} ${c.req.path}`,
});

/** What a saved change did, in words. */
export const savedText = (what: string, outcome: Extract<ChangeOutcome, { state: unknown }>): string => {
  if (!outcome.changed.length) return `${what}: nothing changed.`;
  const waiting = outcome.changed.filter((p) => outcome.restart.includes(p));
  return [
    `${what} saved.`,
    outcome.live.length ? `In use now: ${outcome.live.map(labelOf).join(', ')}.` : '',
    waiting.length ? `In use after a restart: ${waiting.map(labelOf).join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
};

/** The file changed since the form was loaded: nothing saved, the typed values kept. */
export const staleNotice = (file: string) => ({
  kind: 'error' as const,
  text: `${file} changed since this page was loaded (edited by hand, or in another browser), so nothing was saved. The form below shows what you typed over the file as it is now: check it and save again.`,
});

/** Run a change; CONFLICT (a stale form) becomes the stale page. */
export const tryChange = async (
  c: Context<WebEnv>,
  deps: WebDeps,
  version: string,
  changes: SettingChange[],
  stale: PageExtras,
): Promise<ChangeOutcome | Response> => {
  const settings = needSettings(deps);
  try {
    return await settings.change(version, changes, actorOf(c));
  } catch (err) {
    if (!(err instanceof DepotError) || err.code !== 'CONFLICT') throw err;
    return configPage(c, deps, { ...stale, status: 409, notice: staleNotice(settings.file.path) });
  }
};

/**
 * After a saved change: the page itself for htmx, a redirect (no resubmit on reload) otherwise.
 * The outcome, and the restart it may need, head the page: htmx shows that top rather than keep
 * the scroll of a form saved far below (a save that failed keeps it, by its field's error).
 */
export const afterSave = (c: Context<WebEnv>, deps: WebDeps, anchor: string, text: string) => {
  if (c.req.header('hx-request') !== 'true')
    // To the page's top, where the notice is (as htmx shows it): `#<section>` jumped past it.
    return c.redirect(`/settings/config?saved=${encodeURIComponent(anchor)}#settings-main`, 303);
  c.header('HX-Reswap', 'outerHTML show:top showTarget:#settings-main');
  return configPage(c, deps, { notice: { kind: 'ok', text } });
};

const unchanged = (state: ConfigFileState, changes: SettingChange[]): SettingChange[] =>
  changes.filter((ch) => JSON.stringify(ch.value) !== JSON.stringify(getPath(state.config, ch.path)));

const saveSection = async (c: Context<WebEnv>, deps: WebDeps) => {
  const section = sectionById(c.req.param('section') ?? '');
  if (!section) throw new DepotError('NOT_FOUND', 'No such settings section.');
  const body = await c.req.parseBody();
  const parsed = parseSection(section, body);
  const values = parsed.values;
  if ('unknown' in parsed && parsed.unknown?.length) {
    const text = `Not a setting of ${titleInSentence(section.title)}: ${parsed.unknown.join(', ')}. Nothing was saved.`;
    return configPage(c, deps, {
      status: 400,
      posted: { section: section.id, values, errors: { '': text } },
    });
  }
  if ('errors' in parsed)
    return configPage(c, deps, {
      status: 400,
      posted: { section: section.id, values, errors: parsed.errors },
    });
  const state = await needSettings(deps).read();
  const changes = unchanged(state, parsed.changes);
  const trust = section.fields.filter((f) => f.trust && changes.some((ch) => ch.path === f.path));
  if (trust.length) {
    const asked = await askFirst(
      c,
      `Change ${trust.map((f) => f.label.toLowerCase()).join(' and ')}?`,
      'This changes who or what the appliance trusts. Only if you know why.',
      `/settings/config#${section.id}`,
      { evenWithHtmx: true },
    );
    if (asked) return asked;
  }
  const posted = { section: section.id, values, errors: {} };
  const outcome = await tryChange(c, deps, values.version ?? '', changes, { posted });
  if (outcome instanceof Response) return outcome;
  if ('errors' in outcome)
    return configPage(c, deps, { status: 400, posted: { ...posted, errors: outcome.errors } });
  return afterSave(c, deps, section.id, savedText(section.title, outcome));
};

export const settingsConfigRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/settings/config', (c) => {
    const saved = c.req.query('saved');
    const title =
      saved === 'feeds'
        ? 'Vendor feeds'
        : saved === 'groups'
          ? 'Host groups'
          : saved && sectionById(saved)?.title;
    return configPage(c, deps, {
      ...(title ? { notice: { kind: 'ok' as const, text: `${title} saved.` } } : {}),
      editGroup: c.req.query('group'),
    });
  });
  app.post('/settings/config/restart', async (c) => {
    const asked = await askFirst(
      c,
      'Restart the appliance now?',
      'Scans, syncs and downloads in progress stop and resume after it. The page comes back in a few seconds.',
      '/settings/config',
    );
    if (asked) return asked;
    if (!deps.backup) throw new DepotError('UNAVAILABLE', 'restart the daemon yourself: this build cannot');
    const underSupervisor = deps.backup.restart();
    return renderPage(
      c,
      { title: 'Restarting' },
      <section class="card narrow" id="settings-main">
        <h1>Restarting</h1>
        <p>
          {underSupervisor
            ? 'The appliance restarts now with the saved settings: reload this page in a few seconds.'
            : 'The daemon has stopped: start it again and it runs with the saved settings.'}
        </p>
        <p>
          <a href="/settings/config">Appliance settings</a>
        </p>
      </section>,
    );
  });
  app.post('/settings/config/:section', (c) => saveSection(c, deps));
  return app;
};
