/**
 * Changing who is signed in on a browser: the session cookie and a fresh CSRF seed go together
 * (sign-in, sign-out, password change), so no CSRF token from before the change still works.
 */
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { WebDeps, WebEnv } from '../env.js';
import { rotateCsrf } from './csrf.js';
import { SESSION_COOKIE } from './session.js';

type Deps = Pick<WebDeps, 'auth' | 'secureCookies'>;

export const startSession = (c: Context<WebEnv>, deps: Deps, token: string): void => {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: deps.secureCookies,
    maxAge: 60 * 60 * 24 * 30,
  });
  rotateCsrf(c, deps.auth, deps.secureCookies, token);
};

export const endSession = (c: Context<WebEnv>, deps: Deps): void => {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  rotateCsrf(c, deps.auth, deps.secureCookies);
};
