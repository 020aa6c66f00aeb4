/**
 * "Restart now" says the daemon comes back by itself only when it does: under systemd, or started
 * by the quick start's loop or the lab demo, which start it again after exit 75 and say so with
 * PATCH_DEPOT_SUPERVISED=1. Without that the quick start's technician was told to start by hand a
 * daemon that was already back.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { comesBackAfterRestart } from '../../../daemon/serve.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

test('systemd, or a parent that says it restarts the daemon, brings it back', () => {
  assert.equal(comesBackAfterRestart({}, true), true);
  assert.equal(comesBackAfterRestart({ PATCH_DEPOT_SUPERVISED: '1' }, false), true);
  assert.equal(comesBackAfterRestart({}, false), false);
  assert.equal(comesBackAfterRestart({ PATCH_DEPOT_SUPERVISED: '0' }, false), false);
});

test('the quick start and the lab demo, which start the daemon again after exit 75, say so', () => {
  const quickstart = read('scripts/quickstart');
  assert.match(quickstart, /\[ "\$rc" = 75 \]/, 'the loop that starts it again');
  assert.match(quickstart, /PATCH_DEPOT_SUPERVISED=1 node dist\/daemon\/main\.js serve/);
  const demo = read('scripts/demo.ts');
  assert.match(demo, /code === EXIT_RESTART/);
  assert.match(demo, /PATCH_DEPOT_SUPERVISED: '1'/);
});
