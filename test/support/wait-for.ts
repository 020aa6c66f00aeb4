/**
 * Poll until `cond` holds, or fail naming `what` after `ms`: tests never sleep a fixed time. The
 * default is a deadlock guard, not a speed check: a loaded CI machine once took 16 s for a wait
 * that is 1.6 s on a quiet one.
 */
export const waitFor = async (
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 60_000,
): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
