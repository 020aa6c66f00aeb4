/** A textarea of addresses, URLs or names as a list: one per line (spaces and commas also split). */
export const splitLines = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((l) => l.trim())
    .filter(Boolean);
