/** Whether a lab name is free: only namespaces of exactly that lab count, and a taken one is named. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labNameTaken } from '../../../scripts/lab/spec.js';

test('a lab name is taken by its own namespaces only, and the refusal says how to go on', () => {
  const namespaces = ['pdl-demo-br', 'pdl-demo-app', 'pdl-demo-h1', 'pdl-demo-h2', 'pdl-demo2-br', 'other'];
  assert.equal(labNameTaken('site', namespaces), undefined);
  assert.equal(labNameTaken('dem', namespaces), undefined, 'a prefix of a name is another name');
  assert.equal(
    labNameTaken('demo2', namespaces),
    'lab "demo2" already exists (1 namespace: pdl-demo2-br) and may be in use; remove it first with `npm run lab -- down --name demo2`, or choose another name',
  );
  assert.match(
    labNameTaken('demo', namespaces)!,
    /^lab "demo" already exists \(4 namespaces: pdl-demo-br, pdl-demo-app, pdl-demo-h1, \.\.\.\)/,
  );
});
