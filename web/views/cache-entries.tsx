/** The Cache page's file tables, each row with its pin and evict actions (both ask first). */
import type { CacheEntry } from '../../daemon/cache/cache-index.js';
import { formatBytes } from './bytes.js';
import { CsrfField } from './csrf-field.js';
import { ActionsHeading } from './layout.js';

export const PIN_QUESTION = 'Pin this file in the cache?';
export const PIN_DETAIL =
  'A pinned file is never evicted: it keeps its share of the quota until you unpin it, and other files are evicted first to make room.';

const EntryActions = (props: { e: CacheEntry; csrf: string }) => (
  <>
    <form
      method="post"
      action={props.e.pinned ? '/cache/-/unpin' : '/cache/-/pin'}
      style="display:inline"
      hx-confirm={props.e.pinned ? undefined : `${PIN_QUESTION} ${PIN_DETAIL}`}
    >
      <CsrfField token={props.csrf} />
      <input type="hidden" name="url" value={props.e.url} />
      <button type="submit" class="link">
        {props.e.pinned ? 'Unpin' : 'Pin'}
      </button>
    </form>{' '}
    <form
      method="post"
      action="/cache/-/evict"
      style="display:inline"
      hx-confirm="Evict this file? The next host that asks fetches it across the WAN again."
    >
      <CsrfField token={props.csrf} />
      <input type="hidden" name="url" value={props.e.url} />
      <button type="submit" class="link">
        Evict
      </button>
    </form>
  </>
);

export const EntryTable = (props: { title: string; entries: CacheEntry[]; csrf: string }) => (
  <section class="card">
    <h2>{props.title}</h2>
    <table class="stack">
      <thead>
        <tr>
          <th>File</th>
          <th>Size</th>
          <th>Hits</th>
          <th>Checked</th>
          <ActionsHeading />
        </tr>
      </thead>
      <tbody>
        {props.entries.map((e) => (
          <tr>
            <td>
              <code>{e.url}</code>
              {e.pinned ? ' (pinned)' : ''}
            </td>
            <td data-label="Size">{formatBytes(e.size)}</td>
            <td data-label="Hits">{e.hits}</td>
            <td data-label="Checked">{e.verified === 'sha256' ? 'sha256' : 'size only'}</td>
            <td>
              <EntryActions e={e} csrf={props.csrf} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </section>
);
