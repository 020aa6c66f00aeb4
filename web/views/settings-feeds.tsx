/** Settings → the vendor feeds (catalog.feeds): the list with enable, remove and sync, and a form to add one. */
import type { FeedSpec } from '../../daemon/catalog/feed-config.js';
import { CsrfField } from './csrf-field.js';
import { ActionsHeading, Empty, Notice } from './layout.js';
import { SettingsAction } from './settings-action.js';
import type { SettingsView } from './settings-fields.js';
import { TableScroll } from './table-scroll.js';

export const FEED_KINDS = [
  ['debian-tracker', 'Debian security tracker (JSON)'],
  ['osv', 'OSV records or zip dump'],
  ['apt', 'Apt repository (signed Release)'],
  ['depot-manifest', 'Signed Patch Depot manifest'],
] as const;

/** The add form's fields; the apt ones only for apt feeds. */
export const FEED_FIELDS = [
  'id',
  'kind',
  'url',
  'suite',
  'components',
  'architectures',
  'keyring',
  'release',
] as const;
export const APT_ONLY = new Set(['suite', 'components', 'architectures', 'keyring', 'release']);
type FeedDraft = Partial<Record<(typeof FEED_FIELDS)[number], string>>;

const FEED_LABELS: Record<(typeof FEED_FIELDS)[number], [string, string]> = {
  id: ['Id', 'Lower-case letters, digits and -: names the feed in logs, pages and the sync history.'],
  kind: ['Kind', 'The format the URL serves.'],
  url: ['URL', 'http:// or https://; for apt, the repository root (e.g. a mirror’s /debian).'],
  suite: ['Suite (apt)', 'dists/<suite> under the URL, e.g. bookworm-security.'],
  components: ['Components (apt)', 'Space-separated; empty: main.'],
  architectures: ['Architectures (apt)', 'Space-separated; empty: amd64.'],
  keyring: ['Keyring (apt)', 'Path of the OpenPGP keyring the Release signature must verify against.'],
  release: ['Release (apt, optional)', 'e.g. debian:bookworm; empty: read from the Release file.'],
};

const FeedField = (props: {
  name: (typeof FEED_FIELDS)[number];
  draft: FeedDraft;
  error?: string | undefined;
}) => {
  const id = `feed-${props.name}`;
  const [label, hint] = FEED_LABELS[props.name];
  const common = {
    id,
    name: props.name,
    'aria-describedby': `${id}-hint${props.error ? ` ${id}-error` : ''}`,
    'aria-invalid': props.error ? 'true' : undefined,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {props.name === 'kind' ? (
        <select {...common}>
          {FEED_KINDS.map(([value, text]) => (
            <option value={value} selected={props.draft.kind === value}>
              {text}
            </option>
          ))}
        </select>
      ) : (
        <input
          type={props.name === 'url' ? 'url' : 'text'}
          value={props.draft[props.name] ?? ''}
          required={props.name === 'id' || props.name === 'url'}
          {...common}
        />
      )}
      <p class="hint" id={`${id}-hint`}>
        {hint}
      </p>
      {props.error ? (
        <p class="notice error field-error" id={`${id}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
};

const FeedRow = (props: { feed: FeedSpec; csrf: string; canSync: boolean; version: string }) => {
  const { feed } = props;
  const base = `/settings/config/feeds/${encodeURIComponent(feed.id)}`;
  return (
    <tr>
      <td>
        <code>{feed.id}</code>
      </td>
      <td>{feed.kind}</td>
      <td class="wrap">{feed.url}</td>
      <td>{feed.enabled ? 'enabled' : 'disabled'}</td>
      <td>
        {props.canSync && feed.enabled ? (
          <form method="post" action="/patches/feeds/sync" class="inline" hx-boost="false">
            <CsrfField token={props.csrf} />
            <input type="hidden" name="feed" value={feed.id} />
            <button type="submit">Sync now</button>
          </form>
        ) : null}
        <SettingsAction action={`${base}/toggle`} csrf={props.csrf} version={props.version} what={feed.id}>
          {feed.enabled ? 'Disable' : 'Enable'}
        </SettingsAction>
        <SettingsAction
          action={`${base}/remove`}
          csrf={props.csrf}
          version={props.version}
          what={feed.id}
          confirm={`Remove the feed "${feed.id}"? Its fixes stay until the catalog is rebuilt without it.`}
        >
          Remove
        </SettingsAction>
      </td>
    </tr>
  );
};

export const FeedsCard = (props: { view: SettingsView }) => {
  const { view } = props;
  const feeds = view.state.config.catalog.feeds;
  const draft = view.feed?.draft ?? { kind: 'debian-tracker' };
  const errors = view.feed?.errors ?? {};
  return (
    <section class="card" id="feeds">
      <h2>Vendor feeds</h2>
      {feeds.length === 0 ? (
        <Empty>
          <p>No vendor feeds yet: add one below, then sync it.</p>
        </Empty>
      ) : (
        <TableScroll label="Vendor feeds">
          <table>
            <thead>
              <tr>
                <th>Id</th>
                <th>Kind</th>
                <th>URL</th>
                <th>State</th>
                <ActionsHeading />
              </tr>
            </thead>
            <tbody>
              {feeds.map((f) => (
                <FeedRow feed={f} csrf={view.csrf} canSync={view.canSync} version={view.state.version} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h3>Add a feed</h3>
      {errors[''] ? <Notice kind="error">{errors['']}</Notice> : null}
      <form
        method="post"
        action="/settings/config/feeds"
        hx-post="/settings/config/feeds"
        hx-target="#settings-main"
        hx-swap="outerHTML"
      >
        <CsrfField token={view.csrf} />
        <input type="hidden" name="version" value={view.state.version} />
        {FEED_FIELDS.filter((name) => !APT_ONLY.has(name)).map((name) => (
          <FeedField name={name} draft={draft} error={errors[name]} />
        ))}
        <fieldset class="apt-only">
          <legend>Only for an apt repository</legend>
          {FEED_FIELDS.filter((name) => APT_ONLY.has(name)).map((name) => (
            <FeedField name={name} draft={draft} error={errors[name]} />
          ))}
        </fieldset>
        <p class="hint">
          Saved to <code>catalog.feeds</code>; the feed can be synced at once, no restart.
        </p>
        <button type="submit">Add feed</button>
      </form>
    </section>
  );
};
