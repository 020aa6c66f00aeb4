/** Poll until `cond` holds, or fail naming `what` after `ms`: tests never sleep a fixed time. */
export const waitFor = async (
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 15_000,
): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
