/**
 * Starting a lab whose name another lab holds refuses and leaves that lab alone (it may be a demo
 * someone is using); `replace` is the deliberate way to rebuild it. Checked against a real
 * namespace holding the name, without building a whole lab.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createLab, destroyLabSync } from '../../scripts/lab/lab.js';
import { labUnavailableReason, listNamespaces, run } from '../../scripts/lab/netns.js';

const skip = labUnavailableReason();

describe('a lab name that is taken', { skip }, () => {
  const name = `pdc${randomBytes(4).toString('hex')}`;
  const holder = `pdl-${name}-app`;
  after(() => destroyLabSync(name));

  it('is refused, and the lab holding it is untouched', async () => {
    await run('ip', ['netns', 'add', holder]);
    await assert.rejects(
      createLab({ name, hosts: [{ kind: 'ping' }] }),
      new RegExp(`lab "${name}" already exists \\(1 namespace: ${holder}\\) and may be in use`),
    );
    assert.ok(listNamespaces().includes(holder), 'the existing namespace is still there');
    assert.deepEqual(
      listNamespaces().filter((ns) => ns.startsWith(`pdl-${name}-`)),
      [holder],
      'nothing of a second lab was built',
    );
  });
});
