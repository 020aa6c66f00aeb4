/** A textarea of addresses, URLs or names as a list: one per line (spaces and commas also split). */
export const splitLines = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((l) => l.trim())
    .filter(Boolean);

/** One text field of a parsed form post; '' when it is missing or not text (an uploaded file). */
export const formText = (body: Record<string, unknown>, name: string): string => {
  const value = body[name];
  return typeof value === 'string' ? value : '';
};
