/** Errors of the console API as RFC 9457 problem details, with the status's own title. */
import type { Context } from 'hono';

export type ProblemStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 429 | 500 | 503;

const TITLES: Record<ProblemStatus, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problem = (
  c: Context,
  status: ProblemStatus,
  detail: string,
  headers: Record<string, string> = {},
): Response =>
  c.body(JSON.stringify({ type: 'about:blank', title: TITLES[status], status, detail }), status, {
    'Content-Type': 'application/problem+json',
    'Cache-Control': 'no-store',
    ...headers,
  });
