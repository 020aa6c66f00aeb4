/** Per-test temporary directories, removed when the test ends, after the test's teardowns. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const stacks = new WeakMap<TestContext, Array<() => unknown>>();

/**
 * Run `fn` when the test ends. Teardowns run last in, first out, so a service started on a temp
 * dir stops before the dir is removed (node:test runs `t.after` hooks first in, first out).
 */
export const onTeardown = (t: TestContext, fn: () => unknown): void => {
  let stack = stacks.get(t);
  if (!stack) {
    const fresh: Array<() => unknown> = [];
    stacks.set(t, fresh);
    t.after(async () => {
      let failure: unknown;
      for (const teardown of fresh.reverse()) {
        try {
          await teardown();
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure) throw failure;
    });
    stack = fresh;
  }
  stack.push(fn);
};

export const tempDir = async (t: TestContext, prefix = 'pd-test-'): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // Retried: a service a test stopped with plain t.after (which runs after this) may still write.
  onTeardown(t, () => rm(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
};
