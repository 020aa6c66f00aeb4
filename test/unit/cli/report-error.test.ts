/** How a failure reads on the terminal: one line for a mistake, the trace only with --debug. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { z } from 'zod';
import { errorReport, exitCodeOf } from '../../../daemon/cli/report-error.js';
import { UsageError } from '../../../daemon/cli-context.js';
import { DepotError } from '../../../daemon/errors.js';

const prefix = 'patch-depot catalog import';
const enoent = async (): Promise<unknown> => readFile('/no/such/file.zip').catch((e: unknown) => e);

test('a system error is the path and the reason, no errno code, no stack', async () => {
  const err = await enoent();
  assert.equal(
    errorReport(err, { prefix, debug: false }),
    `${prefix}: /no/such/file.zip: no such file or directory\n`,
  );
  assert.equal(exitCodeOf(err), 1);
});

test('--debug adds the stack and every cause', async () => {
  const err = new DepotError('BAD_INPUT', '--bundle x.zip: no such file or directory', {
    cause: await enoent(),
  });
  const report = errorReport(err, { prefix, debug: true });
  assert.ok(report.startsWith(`${prefix}: --bundle x.zip: no such file or directory\nDepotError: `));
  assert.match(report, /\n {4}at /);
  assert.match(report, /\ncaused by: Error: ENOENT: no such file or directory, open '\/no\/such\/file\.zip'/);
});

test('exit codes: 2 usage, 78 settings, 1 anything else', () => {
  assert.equal(exitCodeOf(new UsageError('missing --out FILE')), 2);
  assert.equal(exitCodeOf(new DepotError('CONFIG_INVALID', 'http.port: expected a number')), 78);
  assert.equal(exitCodeOf(new DepotError('NOT_FOUND', 'no deployment dep-1')), 1);
  assert.equal(exitCodeOf(new TypeError('x is undefined')), 1);
});

test('settings problems are one line each; a bug says how to see more, never a bare trace', () => {
  const parsed = z.object({ port: z.number() }).safeParse({ port: 'x' });
  assert.ok(!parsed.success);
  assert.match(errorReport(parsed.error, { prefix, debug: false }), /^patch-depot catalog import: port: /);
  const bug = errorReport(new TypeError("Cannot read properties of undefined (reading 'id')"), {
    prefix,
    debug: false,
  });
  assert.equal(
    bug,
    `${prefix}: Cannot read properties of undefined (reading 'id')\n${prefix}: (an unexpected error: run again with --debug for details)\n`,
  );
  assert.doesNotMatch(bug, /\n\s+at /);
});

test('text from outside cannot steer the terminal', () => {
  const report = errorReport(new DepotError('BAD_INPUT', 'feed \u001b]0;pwned\u0007 refused'), {
    prefix,
    debug: false,
  });
  assert.ok(!report.includes('\u001b'), 'the escape character is made visible');
});
