/** A one-button post on the settings page (enable, remove ...): htmx swaps the page, plain forms redirect. */
import type { Child } from 'hono/jsx';
import { CsrfField } from './csrf-field.js';

export const SettingsAction = (props: {
  action: string;
  csrf: string;
  /** The config file's version the page was made from: a stale post changes nothing. */
  version: string;
  /** Asked before posting (and again on a page without JavaScript). */
  confirm?: string | undefined;
  /** The button's words; `what` names the row for a screen reader. */
  children: Child;
  what: string;
}) => (
  <form
    method="post"
    class="inline"
    action={props.action}
    hx-post={props.action}
    hx-target="#settings-main"
    hx-swap="outerHTML"
    hx-confirm={props.confirm}
  >
    <CsrfField token={props.csrf} />
    <input type="hidden" name="version" value={props.version} />
    <button type="submit" class="link">
      {props.children}
      <span class="visually-hidden"> {props.what}</span>
    </button>
  </form>
);
