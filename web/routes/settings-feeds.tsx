/** Settings → vendor feeds: add, enable or disable, and remove entries of catalog.feeds. */
import { type Context, Hono } from 'hono';
import { DepotError } from '../../daemon/errors.js';
import type { PlacedIssue } from '../../daemon/settings/config-file.js';
import { getPath } from '../../daemon/settings/settings-service.js';
import type { WebDeps, WebEnv } from '../env.js';
import { askFirst } from '../views/confirm.js';
import { APT_ONLY, FEED_FIELDS } from '../views/settings-feeds.js';
import type { FeedDraft } from '../views/settings-fields.js';
import { CONTROL_FIELDS, splitLines } from '../views/settings-fields.js';
import { afterSave, configPage, needSettings, savedText, tryChange } from './settings-config.js';

type RawFeed = Record<string, unknown> & { id?: unknown; enabled?: unknown };

const draftOf = (body: Record<string, unknown>): FeedDraft => {
  const draft: FeedDraft = {};
  for (const k of FEED_FIELDS) if (typeof body[k] === 'string') draft[k] = (body[k] as string).trim();
  return draft;
};

/** The feed entry as it goes in the file: only what was given, the schema adds the defaults. */
const entryOf = (d: FeedDraft): { entry: RawFeed; errors: Record<string, string> } => {
  const entry: RawFeed = { id: d.id ?? '', kind: d.kind ?? '', url: d.url ?? '' };
  const errors: Record<string, string> = {};
  for (const k of APT_ONLY) {
    const v = d[k as keyof FeedDraft];
    if (!v) continue;
    if (d.kind !== 'apt') errors[k] = 'only for apt feeds: leave it empty';
    else entry[k] = k === 'components' || k === 'architectures' ? splitLines(v) : v;
  }
  if (d.kind === 'apt') {
    entry.suite ??= '';
    entry.keyring ??= '';
  }
  return { entry, errors };
};

/** The schema's problems with the new entry (the last of the list), next to its fields. */
const feedErrors = (issues: PlacedIssue[], index: number): Record<string, string> => {
  const errors: Record<string, string> = {};
  for (const i of issues) {
    const [at, key] = i.rest;
    if (
      i.field === 'catalog.feeds' &&
      at === index &&
      typeof key === 'string' &&
      FEED_FIELDS.includes(key as never)
    )
      errors[key] ??= i.message;
    else if (i.field === 'catalog.feeds' && /unique/.test(i.message))
      errors.id ??= 'a feed with this id exists already';
    else
      errors[''] ??= `${i.field || 'config'}${i.rest.length ? ` (${i.rest.join('.')})` : ''}: ${i.message}`;
  }
  return errors;
};

const rawFeeds = (raw: Record<string, unknown>): RawFeed[] => {
  const list = getPath(raw, 'catalog.feeds');
  return Array.isArray(list) ? (list as RawFeed[]) : [];
};

const addFeed = async (c: Context<WebEnv>, deps: WebDeps) => {
  const body = await c.req.parseBody();
  const draft = draftOf(body);
  const unknown = Object.keys(body).filter(
    (k) => !FEED_FIELDS.includes(k as never) && !CONTROL_FIELDS.has(k),
  );
  if (unknown.length)
    return configPage(c, deps, {
      status: 400,
      feed: { draft, errors: { '': `Not a field of a feed: ${unknown.join(', ')}. Nothing was saved.` } },
    });
  const { entry, errors } = entryOf(draft);
  if (Object.keys(errors).length) return configPage(c, deps, { status: 400, feed: { draft, errors } });
  const feeds = rawFeeds((await needSettings(deps).read()).raw);
  const version = typeof body.version === 'string' ? body.version : '';
  const outcome = await tryChange(c, deps, version, [{ path: 'catalog.feeds', value: [...feeds, entry] }], {
    feed: { draft, errors: {} },
  });
  if (outcome instanceof Response) return outcome;
  if ('errors' in outcome)
    return configPage(c, deps, {
      status: 400,
      feed: { draft, errors: feedErrors(outcome.issues, feeds.length) },
    });
  return afterSave(
    c,
    deps,
    'feeds',
    `${savedText(`Feed ${entry.id}`, outcome)} Sync it with its "Sync now" button.`,
  );
};

/** Enable/disable or remove the feed `:id`. */
const editFeed = async (c: Context<WebEnv>, deps: WebDeps, how: 'toggle' | 'remove') => {
  const id = c.req.param('id') ?? '';
  const body = await c.req.parseBody();
  const feeds = rawFeeds((await needSettings(deps).read()).raw);
  const feed = feeds.find((f) => f.id === id);
  if (!feed) throw new DepotError('NOT_FOUND', `No feed "${id}" in the settings file.`);
  if (how === 'remove') {
    const asked = await askFirst(
      c,
      `Remove the feed "${id}"?`,
      'It is no longer synced; its fixes stay until the catalog is rebuilt without it.',
      '/settings/config#feeds',
    );
    if (asked) return asked;
  }
  const next =
    how === 'remove'
      ? feeds.filter((f) => f !== feed)
      : feeds.map((f) => (f === feed ? { ...f, enabled: f.enabled === false } : f));
  const version = typeof body.version === 'string' ? body.version : '';
  const outcome = await tryChange(c, deps, version, [{ path: 'catalog.feeds', value: next }], {});
  if (outcome instanceof Response) return outcome;
  if ('errors' in outcome)
    return configPage(c, deps, {
      status: 400,
      feed: { draft: {}, errors: { '': Object.values(outcome.errors).join('; ') } },
    });
  return afterSave(c, deps, 'feeds', savedText(`Feed ${id}`, outcome));
};

export const settingsFeedRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.post('/settings/config/feeds', (c) => addFeed(c, deps));
  app.post('/settings/config/feeds/:id/toggle', (c) => editFeed(c, deps, 'toggle'));
  app.post('/settings/config/feeds/:id/remove', (c) => editFeed(c, deps, 'remove'));
  return app;
};
