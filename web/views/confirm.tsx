/**
 * Destructive or trust-changing posts ask first. With JavaScript the form's `hx-confirm` asks in
 * the browser and htmx sends the post (with HX-Request, which a cross-site form cannot set); without
 * it the plain post lands on a page that asks, and only its "Confirm" (confirm=yes) acts. The
 * form's other fields ride along unchanged.
 */
import type { Context } from 'hono';
import type { WebEnv } from '../env.js';
import { CsrfField } from './csrf-field.js';
import { renderPage } from './layout.js';

/** A page asking `question`, or undefined when the post is already confirmed. */
export const askFirst = async (
  c: Context<WebEnv>,
  question: string,
  detail: string,
  cancel: string,
  opts: {
    /** Ask even an htmx post: the question depends on what the form changes, which the browser cannot tell. */
    evenWithHtmx?: boolean;
    /** The words of the two answers where "Confirm" / "Cancel" would confuse ("Cancel" a cancel). */
    yes?: string;
    no?: string;
  } = {},
): Promise<Response | undefined> => {
  const body = await c.req.parseBody();
  if (body.confirm === 'yes') return undefined;
  if (c.req.header('hx-request') === 'true' && !opts.evenWithHtmx) return undefined;
  const carried = Object.entries(body).filter(
    (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== '_csrf' && e[0] !== 'confirm',
  );
  return renderPage(
    c,
    { title: 'Confirm' },
    <section class="card narrow">
      <h1>{question}</h1>
      <p>{detail}</p>
      <form method="post" action={c.req.path}>
        <CsrfField token={c.get('csrf')} />
        {carried.map(([k, v]) => (
          <input type="hidden" name={k} value={v} />
        ))}
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit">{opts.yes ?? 'Confirm'}</button> <a href={cancel}>{opts.no ?? 'Cancel'}</a>
      </form>
    </section>,
  );
};

export const ACCEPT_KEY_QUESTION = 'Trust the new host key?';
export const ACCEPT_KEY_DETAIL =
  'Only if you know why it changed (a reinstall, a new disk): otherwise another machine may be answering at this address.';
