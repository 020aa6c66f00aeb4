/**
 * Settings → API access: the tokens consoles and scrapers use (made with scopes and an expiry,
 * shown once, revocable) and the site key that signs summaries, with the fingerprint to pin.
 */

import type { SitePublicKey } from '../../daemon/api/site-key.js';
import { LIFETIME_DAYS, TOKEN_SCOPES, type TokenView, tokenScopes } from '../../daemon/api/token-record.js';
import { CsrfField } from './csrf-field.js';
import { ActionsHeading, Empty, Notice } from './layout.js';
import { whenText } from './when.js';

export interface TokensCardProps {
  csrf: string;
  tokens: TokenView[];
  now: number;
  /** The token just made: shown this once. */
  created?: { name: string; token: string } | undefined;
  notice?: { kind: 'error' | 'ok'; text: string } | undefined;
}

const day = (iso: string | null): string => (iso ? whenText(iso) : '');

const stateOf = (t: TokenView, now: number): { word: string; cls: string } => {
  if (t.revokedAt) return { word: `revoked ${day(t.revokedAt)}`, cls: 'muted' };
  if (t.expiresAt && Date.parse(t.expiresAt) <= now)
    return { word: `expired ${day(t.expiresAt)}`, cls: 'muted' };
  return { word: t.expiresAt ? `live until ${day(t.expiresAt)}` : 'live, never expires', cls: 'ok' };
};

const TokenRow = (props: { t: TokenView; csrf: string; now: number }) => {
  const { t } = props;
  const state = stateOf(t, props.now);
  return (
    <tr>
      <td data-label="Name">
        {t.name}
        <br />
        <code class="hint">pdt_{t.id}_…</code>
      </td>
      <td data-label="Scopes">{t.scopes.join(', ')}</td>
      <td data-label="Created">{day(t.createdAt)}</td>
      <td data-label="Last used">
        {t.lastUsedAt ? (
          <>
            {day(t.lastUsedAt)}
            <br />
            <span class="hint">from {t.lastUsedFrom}</span>
          </>
        ) : (
          <span class="muted">never</span>
        )}
      </td>
      <td data-label="State" class={state.cls}>
        {state.word}
      </td>
      <td>
        {t.revokedAt ? null : (
          <form
            method="post"
            action={`/settings/tokens/${t.id}/revoke`}
            hx-post={`/settings/tokens/${t.id}/revoke`}
            hx-target="#api-tokens"
            hx-swap="outerHTML"
            hx-confirm={`Revoke the token "${t.name}"? Whatever uses it stops working at once.`}
          >
            <CsrfField token={props.csrf} />
            <button type="submit" class="link">
              Revoke
            </button>
          </form>
        )}
      </td>
    </tr>
  );
};

const CreateForm = (props: { csrf: string }) => (
  <form
    method="post"
    action="/settings/tokens"
    hx-post="/settings/tokens"
    hx-target="#api-tokens"
    hx-swap="outerHTML"
  >
    <CsrfField token={props.csrf} />
    <label>
      Name
      <input name="name" required maxlength={80} placeholder="HQ console" />
    </label>
    <fieldset>
      <legend>Scopes</legend>
      {tokenScopes.map((scope) => (
        <label style="display:flex;gap:.5rem;align-items:baseline;font-weight:normal">
          <input
            type="checkbox"
            name="scope"
            value={scope}
            checked={scope === 'console:read'}
            style="width:auto;margin:0"
          />
          <span>
            <code>{scope}</code>: {TOKEN_SCOPES[scope]}
          </span>
        </label>
      ))}
    </fieldset>
    <label>
      Expires
      <select name="expiresInDays">
        <option value="">never</option>
        {LIFETIME_DAYS.map((d) => (
          <option value={String(d)} selected={d === 365}>
            after {d === 365 ? '1 year' : `${d} days`}
          </option>
        ))}
      </select>
    </label>
    <button type="submit">Create token</button>
  </form>
);

export const TokensCard = (props: TokensCardProps) => (
  <section class="card" id="api-tokens">
    <h2>API tokens</h2>
    <p class="hint">
      A central console pulls this site's summary, hosts and missing fixes from <code>/api/v1</code>{' '}
      (described by <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>) with a token:{' '}
      <code>Authorization: Bearer …</code>. Only a hash of each token is kept; once any token exists,{' '}
      <code>/metrics</code> needs one too.
    </p>
    {props.created ? (
      <div class="notice ok" role="status">
        <p>
          Token <strong>{props.created.name}</strong> created. Copy it now: it is shown only this once.
        </p>
        <p>
          <code>{props.created.token}</code>
        </p>
      </div>
    ) : null}
    {props.notice ? <Notice kind={props.notice.kind}>{props.notice.text}</Notice> : null}
    {props.tokens.length === 0 ? (
      <Empty>No API tokens yet: nothing outside this page can read the site API.</Empty>
    ) : (
      <table class="stack">
        <thead>
          <tr>
            <th>Name</th>
            <th>Scopes</th>
            <th>Created</th>
            <th>Last used</th>
            <th>State</th>
            <ActionsHeading />
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((t) => (
            <TokenRow t={t} csrf={props.csrf} now={props.now} />
          ))}
        </tbody>
      </table>
    )}
    <h3>New token</h3>
    <CreateForm csrf={props.csrf} />
  </section>
);

/**
 * This site's entry for the reference console's sites.json (`patch-depot console pull`): the key
 * as the console pins it, the address this page was opened at, and where the token goes.
 */
export const sitesJsonEntry = (siteName: string, origin: string, publicKey: SitePublicKey): string => {
  const { kty, crv, x } = publicKey.jwk as { kty: string; crv: string; x: string };
  return JSON.stringify(
    {
      name: siteName,
      url: origin,
      tokenFile: '<a file holding a console:read token from API tokens above>',
      publicKey: { kty, crv, x },
    },
    null,
    2,
  );
};

export const SiteKeyCard = (props: { siteName: string; publicKey: SitePublicKey; origin: string }) => (
  <section class="card" id="site-key">
    <h2>Site key</h2>
    <p class="hint">
      The appliance signs the summary it gives consoles (<code>/api/v1/summary.jws</code>, a JWS with{' '}
      <code>alg: Ed25519</code>) with this key. Pin the public key (JWK or PEM) in the console from this page,
      not from the network; the fingerprint is how to check a key at a glance.
    </p>
    <dl class="facts">
      <dt>Site name</dt>
      <dd>{props.siteName}</dd>
      <dt>Site id</dt>
      <dd>
        <code>{props.publicKey.siteId}</code>
      </dd>
      <dt>Fingerprint</dt>
      <dd>
        <code>{props.publicKey.kid}</code>
        <br />
        <span class="hint">SHA-256 JWK thumbprint (RFC 7638), the kid of every signature</span>
      </dd>
      <dt>Made</dt>
      <dd>{day(props.publicKey.createdAt)}</dd>
      <dt>Public key (JWK)</dt>
      <dd>
        <code>{JSON.stringify(props.publicKey.jwk)}</code>
      </dd>
      <dt>Public key (PEM)</dt>
      <dd>
        <pre>
          <code>{props.publicKey.pem}</code>
        </pre>
      </dd>
      <dt>For sites.json</dt>
      <dd>
        <pre id="sites-json-entry">
          <code>{sitesJsonEntry(props.siteName, props.origin, props.publicKey)}</code>
        </pre>
        <span class="hint">
          One entry of <code>"sites"</code> for <code>patch-depot console pull --sites sites.json</code>
          {'; change '}
          <code>url</code> if the console reaches this appliance at another address.
        </span>
      </dd>
    </dl>
  </section>
);
