/**
 * What a console is told when a request's query does not fit the contract, in the API's own words:
 * a parameter given twice (`?limit=1&limit=2`, which would otherwise reach zod as an array) is named
 * with the values it got; a value outside a fixed set lists the accepted ones. Anything else keeps
 * the parameter's name and the schema's message.
 */
import type { Context } from 'hono';

/** The parts of a zod issue this wording reads (zod 4's issue shapes, structurally). */
export interface QueryIssue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  values?: readonly unknown[];
}

const shown = (value: unknown): string => JSON.stringify(String(value).slice(0, 40));

/** One line for the first issue: which parameter, what was wrong, what to send instead. */
export const queryProblemDetail = (c: Context, issues: readonly QueryIssue[]): string => {
  const issue = issues[0];
  if (!issue) return 'bad request';
  const name = issue.path.map(String).join('.') || 'request';
  const given = issue.path.length === 1 ? c.req.queries(name) : undefined;
  if (given && given.length > 1) {
    const values = given.slice(0, 3).map(shown).join(', ');
    return `${name}: given ${given.length} times (${values}${given.length > 3 ? ', ...' : ''}); send it once`;
  }
  if (issue.code === 'invalid_value' && issue.values) {
    return `${name}: expected one of ${issue.values.map(String).join(', ')}, got ${shown(given?.[0] ?? '')}`;
  }
  return `${name}: ${issue.message}`;
};
