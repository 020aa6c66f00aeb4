/**
 * HTTP redirects followed by hand, one hop at a time, each hop checked before it is connected to.
 * undici's redirect interceptor follows any Location to any host: an allowed mirror answering
 * `302 -> http://internal-host/secret` had that secret fetched, served and cached (issue 8).
 */
import { type Dispatcher, request } from 'undici';
import { DepotError } from '../errors.js';

/** More than this many redirects in a row is a loop or an attack. */
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

export interface Hop {
  /** The URL the request was made for (the configured upstream's). */
  start: URL;
  from: URL;
  to: URL;
}

/** The URL to request for `hop`, or a throw (see `redirectRefused`) when it may not be followed. */
export type HopCheck = (hop: Hop) => Promise<URL>;

export const redirectRefused = (hop: Hop, reason: string): DepotError =>
  new DepotError('FORBIDDEN', `redirect from ${hop.from.href} to ${hop.to.href} refused: ${reason}`);

type RequestOptions = NonNullable<Parameters<typeof request>[1]>;

/** Drop a body we will not read; undici reports the abort as an error event nobody needs. */
export const discardBody = (body: Dispatcher.ResponseData['body']): void => {
  body.on('error', () => undefined);
  body.destroy();
};

/**
 * `request(url, options)` (options must not redirect by themselves), following up to
 * MAX_REDIRECTS redirects, each one allowed by `check` first. Resolves with the first answer that is
 * not a redirect (a 3xx without Location is such an answer). A hop to another host than the
 * start's goes through `hopDispatcher` when one is given (one that checks what it connects to).
 */
export const requestFollowingRedirects = async (
  url: string,
  options: RequestOptions,
  check: HopCheck,
  hopDispatcher?: Dispatcher,
): Promise<Dispatcher.ResponseData<unknown>> => {
  const start = new URL(url);
  let current = start;
  const elsewhere = hopDispatcher ? { ...options, dispatcher: hopDispatcher } : options;
  for (let hops = 0; ; hops++) {
    const res = await request(current, current.hostname === start.hostname ? options : elsewhere);
    const location = res.headers.location;
    const target = Array.isArray(location) ? location[0] : location;
    if (!REDIRECT_STATUS.has(res.statusCode) || target === undefined) return res;
    discardBody(res.body);
    let to: URL;
    try {
      to = new URL(target, current);
    } catch {
      throw new DepotError(
        'UNAVAILABLE',
        `${current.href} redirected to "${target.slice(0, 200)}", which is not a URL`,
      );
    }
    to.hash = '';
    const hop = { start, from: current, to };
    if (hops >= MAX_REDIRECTS)
      throw new DepotError(
        'UNAVAILABLE',
        `${url}: more than ${MAX_REDIRECTS} redirects (the last to ${to.href})`,
      );
    current = await check(hop);
  }
};
