import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployRequest } from '../../../daemon/deploy/new-deployment.js';
import type { DepotError } from '../../../daemon/errors.js';

test('a deployment title is trimmed and cut at 200 characters; control characters and direction overrides are refused', () => {
  assert.equal(deployRequest({ title: '  Monthly fixes  ' }).title, 'Monthly fixes');
  assert.equal(deployRequest({ title: 'x'.repeat(300) }).title?.length, 200);
  assert.equal(deployRequest({ title: '   ' }).title, undefined, 'blank: the default title');
  for (const title of ['a\u0000b', 'ring\u0007', 'esc \u001b[2J', '\u202egnp.exe', 'a\u2066b'])
    assert.throws(
      () => deployRequest({ title }),
      (err: DepotError) => err.code === 'BAD_INPUT' && /^title: no control characters/.test(err.message),
      JSON.stringify(title),
    );
});
