/** Settings → host groups: add, edit and remove entries of deploy.groups. */
import { type Context, Hono } from 'hono';
import { DepotError } from '../../daemon/errors.js';
import { getPath } from '../../daemon/settings/settings-service.js';
import type { WebDeps, WebEnv } from '../env.js';
import { askFirst } from '../views/confirm.js';
import { draftOf, entryOf, type GroupDraft, groupErrors } from '../views/group-form.js';
import { CONTROL_FIELDS } from '../views/settings-fields.js';
import { afterSave, configPage, needSettings, savedText, tryChange } from './settings-config.js';

type RawGroup = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The file's own groups and deploy section (not the defaults the schema adds). */
const fileGroups = async (deps: WebDeps) => {
  const state = await needSettings(deps).read();
  const deploy = getPath(state.raw, 'deploy');
  const list = getPath(state.raw, 'deploy.groups');
  return {
    deploy: isObject(deploy) ? deploy : {},
    groups: Array.isArray(list) ? (list as RawGroup[]) : [],
  };
};

const formError = (
  c: Context<WebEnv>,
  deps: WebDeps,
  draft: GroupDraft,
  errors: Record<string, string>,
  editing: string | undefined,
) => configPage(c, deps, { status: 400, group: { draft, errors, editing } });

/** Add a group (no `:name`) or replace the group `:name`, keeping its place in the list. */
const saveGroup = async (c: Context<WebEnv>, deps: WebDeps) => {
  const editing = c.req.param('name');
  const body = await c.req.parseBody({ all: true });
  const { draft, unknown } = draftOf(body, CONTROL_FIELDS);
  if (unknown.length)
    return formError(
      c,
      deps,
      draft,
      { '': `Not a field of a host group: ${unknown.join(', ')}. Nothing was saved.` },
      editing,
    );
  const made = entryOf(draft);
  if ('errors' in made) return formError(c, deps, draft, made.errors, editing);
  const { deploy, groups } = await fileGroups(deps);
  const at = editing === undefined ? groups.length : groups.findIndex((g) => g.name === editing);
  if (at < 0) throw new DepotError('NOT_FOUND', `No host group "${editing}" in the settings file.`);
  const next = [...groups];
  next[at] = made.entry;
  const errors = groupErrors(deploy, next, at, draft.hosts);
  if (Object.keys(errors).length) return formError(c, deps, draft, errors, editing);
  const version = typeof body.version === 'string' ? body.version : '';
  const outcome = await tryChange(c, deps, version, [{ path: 'deploy.groups', value: next }], {
    group: { draft, errors: {}, editing },
  });
  if (outcome instanceof Response) return outcome;
  if ('errors' in outcome)
    return formError(c, deps, draft, { '': Object.values(outcome.errors).join('; ') }, editing);
  return afterSave(c, deps, 'groups', savedText(`Host group ${made.entry.name}`, outcome));
};

const removeGroup = async (c: Context<WebEnv>, deps: WebDeps) => {
  const name = c.req.param('name') ?? '';
  const body = await c.req.parseBody();
  const { groups } = await fileGroups(deps);
  if (!groups.some((g) => g.name === name))
    throw new DepotError('NOT_FOUND', `No host group "${name}" in the settings file.`);
  const asked = await askFirst(
    c,
    `Remove the host group "${name}"?`,
    'Its hosts fall back to ring 2 with no maintenance window. Deployments already created keep their placement.',
    '/settings/config#groups',
  );
  if (asked) return asked;
  const version = typeof body.version === 'string' ? body.version : '';
  const next = groups.filter((g) => g.name !== name);
  const outcome = await tryChange(c, deps, version, [{ path: 'deploy.groups', value: next }], {});
  if (outcome instanceof Response) return outcome;
  if ('errors' in outcome)
    return configPage(c, deps, {
      status: 400,
      notice: { kind: 'error', text: Object.values(outcome.errors).join('; ') },
    });
  return afterSave(c, deps, 'groups', savedText(`Host group ${name}`, outcome));
};

export const settingsGroupRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.post('/settings/config/groups', (c) => saveGroup(c, deps));
  app.post('/settings/config/groups/:name/remove', (c) => removeGroup(c, deps));
  app.post('/settings/config/groups/:name', (c) => saveGroup(c, deps));
  return app;
};
